package authserver

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/token"
)

// TestTokenRequestDetails: a token request's authorization_details (RFC
// 9396 §6) narrows the access token to some of the picked items or
// actions, never beyond the grant; the refresh token keeps the whole
// grant. A narrowed scope whose action is left out leaves the token, so
// the gateway never sees it without its items.
func TestTokenRequestDetails(t *testing.T) {
	pb := newPhotoBackend(t)
	env := newTestServer(t, func(c *Config) {
		c.Resources = []Resource{{Type: "photos", Scopes: []string{"photos.read", "photos.write"},
			List: ResourceList{Upstream: "photos", Path: "/photos", Items: "photos", ID: "id", Label: "title"}}}
		c.Fetch = pb.fetch
		for i := range c.Clients {
			if c.Clients[i].ID == printerID {
				c.Clients[i].GrantTypes = []string{oauthrule.GrantAuthorizationCode, oauthrule.GrantRefreshToken}
				c.Clients[i].Scopes = append(c.Clients[i].Scopes, "photos.write")
			}
		}
	})
	v := env.verifier(t)
	b := newBrowser(t, env)
	p := consentFor(t, env, b, url.Values{"scope": {"photos.read photos.write profile"}})
	code := redirectParams(t, postPick(t, b, p, url.Values{"decision": {"allow"}}, "1", "2", "3")).Get("code")
	detail := func(actions []string, ids ...string) []token.AuthorizationDetail {
		return []token.AuthorizationDetail{{Type: "photos", Actions: actions, Identifiers: ids}}
	}
	rw, r := []string{"read", "write"}, []string{"read"}
	// check verifies a 200 answer and its access token: the details and
	// scope the response states, and the token carries.
	check := func(what string, res tokenResult, wantDetails []token.AuthorizationDetail, wantScope string) {
		t.Helper()
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %v; want 200", what, res.status, res.json)
		}
		if got := detailsOf(t, res.json["authorization_details"]); !reflect.DeepEqual(got, wantDetails) || str(res.json, "scope") != wantScope {
			t.Errorf("%s: authorization_details %v scope %q; want %v %q", what, got, str(res.json, "scope"), wantDetails, wantScope)
		}
		c, err := v.Verify(context.Background(), str(res.json, "access_token"))
		if err != nil || !reflect.DeepEqual(c.AuthorizationDetails, wantDetails) || oauthrule.FormatScope(c.Scopes) != wantScope {
			t.Errorf("%s: access token %+v, %v; want %v %q", what, c, err, wantDetails, wantScope)
		}
	}

	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}}
	bad := url.Values{"authorization_details": {`photos`}}
	for k, vs := range exchange {
		bad[k] = vs
	}
	if res := env.callToken(t, tokenCall{form: bad, basic: printerAuth}); res.status != http.StatusBadRequest || str(res.json, "error") != codeInvalidAuthorizationDetails {
		t.Fatalf("code exchange with unreadable authorization_details: %d %v; want 400 %s", res.status, res.json, codeInvalidAuthorizationDetails)
	}
	// The unreadable request did not spend the code.
	exchange.Set("authorization_details", `[{"type":"photos","identifiers":["1"]}]`)
	res := env.callToken(t, tokenCall{form: exchange, basic: printerAuth})
	check("code exchange narrowed to photo 1", res, detail(rw, "1"), "photos.read photos.write profile")
	rt := str(res.json, "refresh_token")

	tests := []struct {
		name, details, scope string
		wantDetails          []token.AuthorizationDetail
		wantScope            string // "" wants invalid_authorization_details
	}{
		{"none: the whole grant", "", "", detail(rw, "1", "2", "3"), "photos.read photos.write profile"},
		{"fewer identifiers", `[{"type":"photos","identifiers":["3","2"]}]`, "", detail(rw, "3", "2"), "photos.read photos.write profile"},
		{"fewer actions", `[{"type":"photos","actions":["read"]}]`, "", detail(r, "1", "2", "3"), "photos.read profile"},
		{"with a narrower scope", `[{"type":"photos","identifiers":["2"]}]`, "photos.read", detail(r, "2"), "photos.read"},
		{"an identifier not granted", `[{"type":"photos","identifiers":["1","4"]}]`, "", nil, ""},
		{"an action not granted", `[{"type":"photos","actions":["delete"]}]`, "", nil, ""},
		{"a type not granted", `[{"type":"albums"}]`, "", nil, ""},
		{"identifiers repeated", `[{"type":"photos","identifiers":["1","1"]}]`, "", nil, ""},
		{"empty identifiers", `[{"type":"photos","identifiers":[]}]`, "", nil, ""},
		{"empty array", `[]`, "", nil, ""},
		{"locations", `[{"type":"photos","locations":["https://elsewhere.example"]}]`, "", nil, ""},
		{"nothing left beside the scope", `[{"type":"photos"}]`, "profile", nil, ""},
		{"the whole grant again", "", "", detail(rw, "1", "2", "3"), "photos.read photos.write profile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			extra := url.Values{}
			if tc.details != "" {
				extra.Set("authorization_details", tc.details)
			}
			if tc.scope != "" {
				extra.Set("scope", tc.scope)
			}
			res := env.refresh(t, rt, extra, printerAuth)
			if tc.wantScope == "" {
				if res.status != http.StatusBadRequest || str(res.json, "error") != codeInvalidAuthorizationDetails {
					t.Fatalf("%d %v; want 400 %s", res.status, res.json, codeInvalidAuthorizationDetails)
				}
				return // the refresh token was not used up
			}
			check(tc.name, res, tc.wantDetails, tc.wantScope)
			rt = str(res.json, "refresh_token")
		})
	}

	cc := env.callToken(t, tokenCall{form: url.Values{"grant_type": {"client_credentials"},
		"authorization_details": {`[{"type":"photos"}]`}}, basic: []string{"batch-job", batchSecret}})
	if cc.status != http.StatusBadRequest || str(cc.json, "error") != codeInvalidAuthorizationDetails {
		t.Errorf("client_credentials with authorization_details: %d %v; want 400 %s", cc.status, cc.json, codeInvalidAuthorizationDetails)
	}
}
