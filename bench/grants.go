package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// seedScope is what the refresh-token families are granted. It leaves out
// openid so that a refresh signs one JWT on both servers: oidc-provider
// adds an ID token to a refresh whose grant has openid, scopegate never
// does. offline_access asks for the refresh token (OIDC Core §11;
// oidc-provider drops it unless prompt=consent is sent too).
const seedScope = "offline_access photos.read"

// grantLoad is one server's refresh_token and introspection load. Each
// load worker holds its own refresh token family, seeded by one
// authorization-code flow, and refreshes it again and again: every request
// rotates the token in the server's store, signs an ES256 access token
// and, on scopegate, records the grant's use. Introspection asks, as the
// flow client, about that client's own active access token.
type grantLoad struct {
	refresh    func(w, n int) bool
	introspect func(w, n int) bool // nil without an introspection endpoint
}

// seedFamilies runs n code flows with seedScope, each consenting anew, and
// returns their refresh tokens, each the first of its own family, and the
// last flow's access token.
func seedFamilies(client *http.Client, ep endpoints, n int) (families []string, access string, err error) {
	families = make([]string, n)
	for i := range families {
		tok, err := codeFlowTokens(client.Transport, ep, seedScope, url.Values{"prompt": {"consent"}})
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

// seedGrants runs one code flow per connection on the server at ep, checks
// that a refresh and an introspection work and do the work compared, and
// returns the load. introspectParams, when not nil, are extra authorization
// request parameters for one more flow whose access token is the one
// introspected (oidc-provider introspects only opaque tokens, which it
// issues for another resource indicator).
func seedGrants(client *http.Client, ep endpoints, conns int, introspectParams url.Values) (grantLoad, error) {
	families, access, err := seedFamilies(client, ep, conns)
	if err != nil {
		return grantLoad{}, err
	}
	// One refresh first: it must rotate, sign an ES256 JWT for photos.read
	// and add no ID token, so that both servers do the same work.
	first, err := refreshToken(client, ep.TokenEndpoint, families[0])
	if err != nil {
		return grantLoad{}, err
	}
	if first.idToken != "" {
		return grantLoad{}, fmt.Errorf("the refresh returned an ID token: refusing an unequal comparison")
	}
	if first.refresh == families[0] {
		return grantLoad{}, fmt.Errorf("the refresh did not rotate the refresh token: refusing an unequal comparison")
	}
	if err := checkES256(client, ep, first.access); err != nil {
		return grantLoad{}, fmt.Errorf("refreshed access token: %w: refusing an unequal comparison", err)
	}
	families[0] = first.refresh
	load := grantLoad{refresh: func(w, n int) bool {
		next, err := refreshToken(client, ep.TokenEndpoint, families[w])
		if err != nil {
			return false
		}
		families[w] = next.refresh // only worker w touches families[w]
		return true
	}}

	if ep.IntrospectionEndpoint == "" {
		return load, nil
	}
	if introspectParams != nil {
		p := url.Values{"prompt": {"consent"}}
		for k, v := range introspectParams {
			p[k] = v
		}
		tok, err := codeFlowTokens(client.Transport, ep, seedScope, p)
		if err != nil {
			return grantLoad{}, fmt.Errorf("the token to introspect: %w", err)
		}
		access = tok.access
	}
	if err := introspect(client, ep.IntrospectionEndpoint, access); err != nil {
		return grantLoad{}, err
	}
	load.introspect = func(w, n int) bool { return introspect(client, ep.IntrospectionEndpoint, access) == nil }
	return load, nil
}

// refreshed is what a refresh_token grant returned.
type refreshed struct{ access, refresh, idToken string }

// refreshToken runs one refresh_token grant.
func refreshToken(client *http.Client, tokenURL, rt string) (refreshed, error) {
	req, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(benchFlowApp, benchSecret)
	resp, err := client.Do(req)
	if err != nil {
		return refreshed{}, err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		IDToken      string `json:"id_token"`
		Error        string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok); err != nil || tok.RefreshToken == "" || tok.AccessToken == "" {
		return refreshed{}, fmt.Errorf("refresh answered %d %s", resp.StatusCode, tok.Error)
	}
	return refreshed{tok.AccessToken, tok.RefreshToken, tok.IDToken}, nil
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
		Active bool   `json:"active"`
		Error  string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil || !out.Active {
		return fmt.Errorf("introspection answered %d %s, active=%v", resp.StatusCode, out.Error, out.Active)
	}
	return nil
}
