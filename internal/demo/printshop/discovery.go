package printshop

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// metadata is the part of the RFC 8414 authorization server metadata the shop uses.
type metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	IssParameterSupported             bool     `json:"authorization_response_iss_parameter_supported"`
}

// discovery fetches the metadata on first use and keeps it once it succeeds, so the shop
// may start before the authorization server and simply retry on the next visit.
type discovery struct {
	issuer string
	client *http.Client

	mu  sync.Mutex
	got *metadata
}

func (d *discovery) get(ctx context.Context) (*metadata, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.got != nil {
		return d.got, nil
	}
	var firstErr error
	for _, wk := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		md, err := d.fetch(ctx, wk)
		if err == nil {
			d.got = md
			return md, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// fetch reads one well-known document. RFC 8414 §3 puts the well-known segment between
// the host and any path of the issuer.
func (d *discovery) fetch(ctx context.Context, wellKnown string) (*metadata, error) {
	u, err := url.Parse(d.issuer)
	if err != nil {
		return nil, fmt.Errorf("printshop: issuer URL: %w", err)
	}
	u.Path = wellKnown + strings.TrimSuffix(u.Path, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("printshop: discovery request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("printshop: discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("printshop: discovery at %s: status %d", u, resp.StatusCode)
	}
	var md metadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&md); err != nil {
		return nil, fmt.Errorf("printshop: discovery document: %w", err)
	}
	// A document for another issuer could point us at someone else's endpoints.
	if md.Issuer != d.issuer {
		return nil, fmt.Errorf("printshop: discovery names issuer %q, want %q", md.Issuer, d.issuer)
	}
	if md.AuthorizationEndpoint == "" || md.TokenEndpoint == "" {
		return nil, fmt.Errorf("printshop: discovery document lacks the authorization or token endpoint")
	}
	if len(md.CodeChallengeMethodsSupported) > 0 && !slices.Contains(md.CodeChallengeMethodsSupported, "S256") {
		return nil, fmt.Errorf("printshop: the authorization server does not support PKCE S256")
	}
	return &md, nil
}
