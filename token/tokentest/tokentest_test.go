package tokentest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

func header(t *testing.T, raw string) map[string]any {
	t.Helper()
	seg, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("header not base64url: %v", err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("header not JSON: %v", err)
	}
	return h
}

func TestSignHeaders(t *testing.T) {
	k := tokentest.NewKey(t)
	c := k.Claims("https://as.example", "https://api.example", "alice", "photos.read")
	tests := []struct {
		name string
		opts []tokentest.Option
		want map[string]any
	}{
		{"default", nil, map[string]any{"alg": "ES256", "typ": "at+jwt", "kid": k.ID()}},
		{"typ removed", []tokentest.Option{tokentest.WithType("")}, map[string]any{"alg": "ES256", "kid": k.ID()}},
		{"alg none", []tokentest.Option{tokentest.WithAlg("none")}, map[string]any{"alg": "none", "typ": "at+jwt", "kid": k.ID()}},
		{"extra header", []tokentest.Option{tokentest.WithHeader("x", "y")}, map[string]any{"alg": "ES256", "typ": "at+jwt", "kid": k.ID(), "x": "y"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := header(t, k.Sign(t, c, tc.opts...))
			if len(got) != len(tc.want) {
				t.Fatalf("header = %v; want %v", got, tc.want)
			}
			for name, v := range tc.want {
				if got[name] != v {
					t.Errorf("header[%q] = %v; want %v", name, got[name], v)
				}
			}
		})
	}
}

func TestSignedTokenVerifiesWithKeySet(t *testing.T) {
	k := tokentest.NewKey(t)
	c := k.Claims("https://as.example", "https://api.example", "alice", "photos.read")
	payload, err := k.KeySet().VerifySignature(context.Background(), k.Sign(t, c))
	if err != nil {
		t.Fatalf("VerifySignature = %v", err)
	}
	var got token.Claims
	if err := json.Unmarshal(payload, &got); err != nil {
		t.Fatalf("payload: %v", err)
	}
	if got.Subject != "alice" || got.ClientID == "" || got.ID == "" || !got.Expiry.After(got.IssuedAt) {
		t.Errorf("claims = %+v; want sub alice, client_id, jti and exp after iat", got)
	}
	if _, err := tokentest.NewKey(t).KeySet().VerifySignature(context.Background(), k.Sign(t, c)); err == nil {
		t.Errorf("another key's set verified the token; want refused")
	}
}

func TestIssuerWorksWithGoOIDC(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	ctx := oidc.ClientContext(context.Background(), iss.Client())
	p, err := oidc.NewProvider(ctx, iss.URL)
	if err != nil {
		t.Fatalf("oidc.NewProvider: %v", err)
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := p.Claims(&doc); err != nil || doc.JWKSURI != iss.URL+"/jwks" {
		t.Fatalf("discovery jwks_uri = %q, %v; want %q", doc.JWKSURI, err, iss.URL+"/jwks")
	}
	raw := iss.Sign(t, iss.Claims("https://api.example", "alice"))
	if _, err := oidc.NewRemoteKeySet(ctx, doc.JWKSURI).VerifySignature(ctx, raw); err != nil {
		t.Errorf("go-oidc remote key set VerifySignature = %v; want accepted", err)
	}
	if got := iss.JWKSFetches(); got != 1 {
		t.Errorf("JWKSFetches = %d; want 1", got)
	}
	old := raw
	iss.Rotate(t, false)
	if _, err := oidc.NewRemoteKeySet(ctx, doc.JWKSURI).VerifySignature(ctx, old); err == nil {
		t.Errorf("token of a rotated-out key verified; want refused")
	}
}
