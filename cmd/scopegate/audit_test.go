package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestAuditLogFullFlow runs what a user and a client do in a day (a wrong
// password, sign-in, consent, code, token, userinfo, a replayed code, a
// wrong client secret) and reads the audit log like a security team would:
// one line per event, each with who, which client, from where and which
// request; no password, secret, code or token in it, nor in the general log.
func TestAuditLogFullFlow(t *testing.T) {
	inst := startInstance(t)
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, inst.issuer)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{
		ClientID: "photo-printer", ClientSecret: testSecret,
		Endpoint: provider.Endpoint(), RedirectURL: inst.callback,
		Scopes: []string{"openid", "photos.read"},
	}
	const wrongPassword = "wrong-password-that-is-long"
	const wrongSecret = "wrong-client-secret-0123456789"
	verifier := oauth2.GenerateVerifier()
	b := browser(inst.callback)
	authURL := conf.AuthCodeURL("state-0123456789abcdef", oauth2.S256ChallengeOption(verifier))
	resp, err := b.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp = submitForm(t, b, resp, map[string]string{"username": "Alice", "password": wrongPassword})
	resp.Body.Close()
	failedLoginID := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != http.StatusUnauthorized || failedLoginID == "" {
		t.Fatalf("wrong password: status %d, X-Request-Id %q; want 401 with a request ID", resp.StatusCode, failedLoginID)
	}
	if resp, err = b.Get(authURL); err != nil {
		t.Fatal(err)
	}
	resp = submitForm(t, b, resp, map[string]string{"username": "alice", "password": testPassword})
	resp = submitForm(t, b, resp, map[string]string{"decision": "allow"})
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("consent: %v", err)
	}
	code := loc.Query().Get("code")
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	if idToken == "" {
		t.Fatal("no ID token")
	}
	if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("a replayed code was accepted")
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {"photo-printer"}, "client_secret": {wrongSecret}}
	if res, err := http.PostForm(provider.Endpoint().TokenURL, form); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong client secret: %v %v, want 401", res, err)
	}

	type line struct {
		Event, Subject, ClientID, RemoteAddr, RequestID, Time, GrantType, JTI string
	}
	var got []line
	for _, raw := range strings.Split(strings.TrimSpace(inst.audit.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("audit line is not JSON: %q: %v", raw, err)
		}
		str := func(k string) string { s, _ := m[k].(string); return s }
		got = append(got, line{str("event"), str("subject"), str("client_id"), str("remote_addr"), str("request_id"), str("time"), str("grant_type"), str("jti")})
	}
	want := []struct{ event, subject, client string }{
		{"login.failure", "alice", "photo-printer"},
		{"login.success", "alice", "photo-printer"},
		{"consent.granted", "alice", "photo-printer"},
		{"code.issued", "alice", "photo-printer"},
		{"token.issued", "alice", "photo-printer"},
		{"code.reused", "alice", "photo-printer"},
		{"token.revoked", "alice", "photo-printer"},
		{"client_auth.failure", "photo-printer", "photo-printer"},
	}
	if len(got) != len(want) {
		t.Fatalf("audit log has %d lines, want %d:\n%s", len(got), len(want), inst.audit.String())
	}
	for i, w := range want {
		g := got[i]
		if g.Event != w.event || g.Subject != w.subject || g.ClientID != w.client {
			t.Errorf("audit line %d = %s sub=%q client=%q, want %s sub=%q client=%q", i, g.Event, g.Subject, g.ClientID, w.event, w.subject, w.client)
		}
		if !strings.HasPrefix(g.RemoteAddr, "127.0.0.1:") || len(g.RequestID) != 16 || g.Time == "" {
			t.Errorf("audit line %d (%s): remote_addr %q, request_id %q, time %q; want all three", i, g.Event, g.RemoteAddr, g.RequestID, g.Time)
		}
	}
	if got[0].RequestID != failedLoginID {
		t.Errorf("login.failure request_id = %q, want the X-Request-Id the user saw, %q", got[0].RequestID, failedLoginID)
	}
	if got[4].GrantType != "authorization_code" || got[4].JTI == "" || got[6].JTI != got[4].JTI {
		t.Errorf("token.issued grant_type %q jti %q, token.revoked jti %q: want the revoked token's ID", got[4].GrantType, got[4].JTI, got[6].JTI)
	}

	secrets := map[string]string{
		"access token": tok.AccessToken, "ID token": idToken, "code": code, "verifier": verifier,
		"client secret": testSecret, "wrong client secret": wrongSecret,
		"password": testPassword, "wrong password": wrongPassword,
	}
	u, _ := url.Parse(inst.issuer)
	for _, c := range b.Jar.Cookies(u) {
		secrets["cookie "+c.Name] = c.Value
	}
	for name, text := range map[string]string{"audit log": inst.audit.String(), "general log": inst.logText.String()} {
		for what, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("the %s contains the %s", name, what)
			}
		}
	}
}
