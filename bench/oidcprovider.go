package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// oidcProviderAvailable reports whether the oidc-provider comparison can
// run: node on PATH and the npm dependencies installed in dir.
func oidcProviderAvailable(dir string) bool {
	if _, err := exec.LookPath("node"); err != nil {
		return false
	}
	st, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider"))
	return err == nil && st.IsDir()
}

// oidcProviderVersion reads the installed oidc-provider version for the
// table, "?" when it cannot.
func oidcProviderVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "oidc-provider", "package.json"))
	if err != nil {
		return "?"
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(b, &pkg) != nil || pkg.Version == "" {
		return "?"
	}
	return pkg.Version
}

// nodeVersion is `node --version`, "?" when it cannot be run.
func nodeVersion() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// startOIDCProvider runs bench/oidcprovider/server.js, pinned like
// scopegate, with the same client credentials as scopegate's bench client.
// UV_THREADPOOL_SIZE is left at libuv's default (JavaScript runs on one
// thread in any case).
func startOIDCProvider(ctx context.Context, dir string, pin bool) (*child, error) {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "UV_THREADPOOL_SIZE=")
	})
	env = append(env, "BENCH_CLIENT_ID="+benchClient, "BENCH_FLOW_CLIENT_ID="+benchFlowApp, "BENCH_REDIRECT_URI="+benchRedirect,
		"BENCH_CLIENT_SECRET="+benchSecret, "BENCH_SCOPE=photos.read")
	return startChildIn(ctx, pin, dir, env, "node", "server.js")
}

// endpoints is what a server's discovery document says about tokens.
type endpoints struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
}

// discover reads base's OpenID discovery document, so that both servers'
// token endpoints are found the way any client would find them.
func discover(client *http.Client, base string) (endpoints, error) {
	var ep endpoints
	if err := getJSON(client, base+"/.well-known/openid-configuration", &ep); err != nil {
		return ep, fmt.Errorf("discovery: %w", err)
	}
	if ep.TokenEndpoint == "" || ep.JWKSURI == "" {
		return ep, fmt.Errorf("discovery at %s names no token endpoint or jwks_uri", base)
	}
	return ep, nil
}

func getJSON(client *http.Client, url string, v any) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

// checkES256 makes sure token is a JWT signed with ES256 by a key in the
// server's JWKS and carrying scope photos.read: the two servers are
// compared doing the same work.
func checkES256(client *http.Client, ep endpoints, token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("access token is not a JWS compact JWT (%d parts)", len(parts))
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return fmt.Errorf("JWT header: %w", err)
	}
	if header.Alg != "ES256" {
		return fmt.Errorf("access token is signed %q, not ES256", header.Alg)
	}
	var claims struct {
		Scope string `json:"scope"`
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return fmt.Errorf("JWT claims: %w", err)
	}
	if !slices.Contains(strings.Fields(claims.Scope), "photos.read") {
		return fmt.Errorf("access token scope is %q, want photos.read", claims.Scope)
	}
	var set struct {
		Keys []struct {
			Kty, Crv, Kid, X, Y string
		} `json:"keys"`
	}
	if err := getJSON(client, ep.JWKSURI, &set); err != nil {
		return fmt.Errorf("JWKS: %w", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return fmt.Errorf("ES256 signature is malformed")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	for _, k := range set.Keys {
		if k.Kty != "EC" || k.Crv != "P-256" || (header.Kid != "" && k.Kid != header.Kid) {
			continue
		}
		x, errX := base64.RawURLEncoding.DecodeString(k.X)
		y, errY := base64.RawURLEncoding.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			continue
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), slices.Concat([]byte{4}, x, y))
		if err != nil {
			continue
		}
		if ecdsa.Verify(pub, digest[:], r, s) {
			return nil
		}
	}
	return fmt.Errorf("no P-256 key in %s verifies the access token's signature", ep.JWKSURI)
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
