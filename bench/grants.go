package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// refreshPhases measures scopegate's refresh_token grant and its
// introspection endpoint. Each load worker holds its own refresh token
// family, seeded by one authorization-code flow with offline_access, and
// refreshes it again and again: every request rotates the token in the
// store (one conditional write and an insert), signs an access token and
// records the grant's use. Introspection asks about the flow client's own
// access token: signature, expiry, revocation and a read of its grant.
func refreshPhases(ctx context.Context, client *http.Client, ep endpoints, pid, conns int, duration time.Duration) ([]result, error) {
	seed := func() ([]string, string, error) {
		families := make([]string, conns)
		var access string
		for i := range families {
			tok, err := codeFlowTokens(client.Transport, ep, "openid offline_access photos.read")
			if err != nil {
				return nil, "", fmt.Errorf("seeding refresh tokens: %w", err)
			}
			if tok.refresh == "" {
				return nil, "", fmt.Errorf("seeding refresh tokens: the code exchange returned none")
			}
			families[i], access = tok.refresh, tok.access
		}
		return families, access, nil
	}
	families, access, err := seed()
	if err != nil {
		return nil, err
	}
	refresh := func(w, n int) bool {
		next, err := refreshToken(client, ep.TokenEndpoint, families[w])
		if err != nil {
			return false
		}
		families[w] = next // only worker w touches families[w]
		return true
	}
	drive(ctx, "warm-up", conns, duration/5, refresh)
	rr := withCPU(pid, func() result { return drive(ctx, "refresh_token grants, scopegate", conns, duration, refresh) })
	rr.noRatio = true

	if ep.IntrospectionEndpoint == "" {
		return []result{rr}, nil
	}
	if err := introspect(client, ep.IntrospectionEndpoint, access); err != nil {
		return nil, err
	}
	ask := func(w, n int) bool { return introspect(client, ep.IntrospectionEndpoint, access) == nil }
	drive(ctx, "warm-up", conns, duration/5, ask)
	ir := withCPU(pid, func() result { return drive(ctx, "introspection (active token), scopegate", conns, duration, ask) })
	ir.noRatio = true
	return []result{rr, ir}, nil
}

// refreshToken runs one refresh_token grant and returns the new refresh
// token.
func refreshToken(client *http.Client, tokenURL, rt string) (string, error) {
	req, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(benchFlowApp, benchSecret)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok); err != nil || tok.RefreshToken == "" || tok.AccessToken == "" {
		return "", fmt.Errorf("refresh answered %d", resp.StatusCode)
	}
	return tok.RefreshToken, nil
}

// introspect asks about an access token of the flow client and insists
// that it is active, so that the phase measures the whole check.
func introspect(client *http.Client, endpoint, token string) error {
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(benchFlowApp, benchSecret)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		Active bool `json:"active"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil || !out.Active {
		return fmt.Errorf("introspection answered %d, active=%v", resp.StatusCode, out.Active)
	}
	return nil
}
