package authserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// photoBackend is a legacy photo API: it lists and serves the photos of
// whoever X-Auth-Subject names, as the gateway would call it.
type photoBackend struct {
	ts     *httptest.Server
	fail   atomic.Bool // answer 500 to listings
	mu     sync.Mutex
	seen   []http.Header // headers of every request
	photos map[string][][2]string
	thumb  atomic.Value // func(w) overriding the image answer, or nil
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n fake png body")

func newPhotoBackend(t testing.TB) *photoBackend {
	pb := &photoBackend{photos: map[string][][2]string{
		"alice": {{"1", "Beach"}, {"2", "Birthday"}, {"3", "Mountains"}, {"4", "Passport scan"}},
		"bob":   {{"b1", "Bob's boat"}},
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /photos", func(w http.ResponseWriter, r *http.Request) {
		if pb.fail.Load() {
			http.Error(w, "database down", http.StatusInternalServerError)
			return
		}
		var out []map[string]any
		for _, p := range pb.photos[r.Header.Get("X-Auth-Subject")] {
			out = append(out, map[string]any{"id": p[0], "title": p[1]})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"photos": out})
	})
	mux.HandleFunc("GET /photos/{id}/image", func(w http.ResponseWriter, r *http.Request) {
		if f, _ := pb.thumb.Load().(func(http.ResponseWriter)); f != nil {
			f(w)
			return
		}
		for _, p := range pb.photos[r.Header.Get("X-Auth-Subject")] {
			if p[0] == r.PathValue("id") {
				w.Header().Set("Content-Type", "image/png")
				_, _ = w.Write(pngBytes)
				return
			}
		}
		http.NotFound(w, r)
	})
	pb.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pb.mu.Lock()
		pb.seen = append(pb.seen, r.Header.Clone())
		pb.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(pb.ts.Close)
	return pb
}

// fetch stands in for the gateway's Fetch: the upstream "photos" is pb.
func (pb *photoBackend) fetch(ctx context.Context, upstream, path string, c *token.Claims) (*http.Response, error) {
	if upstream != "photos" {
		return nil, errors.New("unknown upstream")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pb.ts.URL+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Auth-Subject", c.Subject)
	req.Header.Set("X-Auth-Client-Id", c.ClientID)
	req.Header.Set("X-Auth-Scope", strings.Join(c.Scopes, " "))
	return http.DefaultTransport.RoundTrip(req)
}

// newPickerServer is the test server with a "photos" resource type
// narrowing photos.read, listed from pb; maxItems 0 keeps the default.
func newPickerServer(t testing.TB, maxItems int) (*testEnv, *photoBackend) {
	pb := newPhotoBackend(t)
	env := newTestServer(t, func(c *Config) {
		c.Resources = []Resource{{Type: "photos", Scopes: []string{"photos.read"}, MaxItems: maxItems,
			List: ResourceList{Upstream: "photos", Path: "/photos", Items: "photos", ID: "id", Label: "title",
				Thumbnail: "/photos/{id}/image"}}}
		c.Fetch = pb.fetch
	})
	return env, pb
}

// consentFor signs alice in for params and returns the consent page.
func consentFor(t *testing.T, env *testEnv, b *browser, params url.Values) *page {
	t.Helper()
	base := url.Values{"client_id": {printerID}, "response_type": {"code"}}
	for k, v := range params {
		base[k] = v
	}
	p := b.follow(b.get(env.authURL(base)))
	if p.status == http.StatusOK && strings.Contains(p.body, `name="password"`) {
		p = b.follow(b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}}))
	}
	return p
}

// postPick posts the consent form of p with exactly the given picks.
func postPick(t *testing.T, b *browser, p *page, extra url.Values, picks ...string) *page {
	t.Helper()
	f, ok := findForm(p.body, "/oauth2/consent")
	if !ok {
		t.Fatalf("no consent form (status %d):\n%s", p.status, p.body)
	}
	v := url.Values{"authz": {f.fields.Get("authz")}, "csrf_token": {f.fields.Get("csrf_token")}}
	for k, vv := range extra {
		v[k] = vv
	}
	v["pick.photos"] = picks
	return b.post("/oauth2/consent", v)
}

// checkboxes returns the values of the picker's checkboxes, and which are checked.
func checkboxes(body string) (all, checked []string) {
	for _, chunk := range strings.Split(body, `<input type="checkbox"`)[1:] {
		tag, _, _ := strings.Cut(chunk, ">")
		_, v, _ := strings.Cut(tag, `value="`)
		v, _, _ = strings.Cut(v, `"`)
		all = append(all, v)
		if strings.Contains(tag, " checked") {
			checked = append(checked, v)
		}
	}
	return all, checked
}

func detailsOf(t testing.TB, v any) []token.AuthorizationDetail {
	t.Helper()
	b, _ := json.Marshal(v)
	ds, err := token.ParseAuthorizationDetails(b)
	if err != nil {
		t.Fatalf("authorization_details %s: %v", b, err)
	}
	return ds
}

// TestPickerPlainScope is use case 1 through the real HTTP surface: a
// plain scope=photos.read gets the picker, listed as the gateway would
// call the API; the pick travels through grant, code, token response and
// access token; the remembered consent remembers it; a request for more
// asks again, offering only what was proposed.
func TestPickerPlainScope(t *testing.T) {
	env, pb := newPickerServer(t, 0)
	b := newBrowser(t, env)
	p := consentFor(t, env, b, url.Values{"scope": {"photos.read"}})
	all, checked := checkboxes(p.body)
	if p.status != http.StatusOK || !reflect.DeepEqual(all, []string{"1", "2", "3", "4"}) || len(checked) != 0 {
		t.Fatalf("consent page: status %d, checkboxes %v checked %v; want 200 with alice's 4 photos, none ticked", p.status, all, checked)
	}
	for _, want := range []string{"Beach", "Passport scan", `<fieldset`, `<legend>`, `/oauth2/thumbnail?id=1&amp;type=photos`, `value="all.photos"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	pb.mu.Lock()
	h := pb.seen[len(pb.seen)-1]
	pb.mu.Unlock()
	if h.Get("X-Auth-Subject") != "alice" || h.Get("X-Auth-Scope") != "photos.read" || h.Get("X-Auth-Client-Id") != itemsClientID {
		t.Errorf("listing called with %v; want X-Auth-Subject alice, X-Auth-Scope photos.read, X-Auth-Client-Id %s", h, itemsClientID)
	}

	q := redirectParams(t, postPick(t, b, p, url.Values{"decision": {"allow"}}, "1", "3"))
	res := env.redeem(t, q.Get("code"))
	want := []token.AuthorizationDetail{{Type: "photos", Actions: []string{"read"}, Identifiers: []string{"1", "3"}}}
	if res.status != http.StatusOK || !reflect.DeepEqual(detailsOf(t, res.json["authorization_details"]), want) {
		t.Fatalf("token response %d %v; want authorization_details %v", res.status, res.json, want)
	}
	v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{URL: env.ts.URL, Audience: env.ts.URL, Keys: env.srv.KeySet()}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(context.Background(), res.json["access_token"].(string))
	if err != nil || !reflect.DeepEqual(c.AuthorizationDetails, want) {
		t.Fatalf("access token claims %+v, %v; want authorization_details %v", c, err, want)
	}
	if ids, narrowed := c.PickedItems("photos", []string{"photos.read"}); !narrowed || len(ids) != 2 {
		t.Errorf("PickedItems = %v, %v; want the 2 picked", ids, narrowed)
	}
	g, err := env.store.LiveGrant(context.Background(), "alice", printerID)
	if err != nil || !reflect.DeepEqual(decodeDetails(g.AuthorizationDetails), want) {
		t.Fatalf("grant %s, %v; want the pick", g.AuthorizationDetails, err)
	}

	// Remembered consent: a confidential client on plain scope gets a code
	// at once, carrying the pick.
	again := b.follow(b.get(env.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}})))
	res = env.redeem(t, redirectParams(t, again).Get("code"))
	if !reflect.DeepEqual(detailsOf(t, res.json["authorization_details"]), want) {
		t.Errorf("remembered consent gave %v; want %v", res.json["authorization_details"], want)
	}

	// Proposing an item within the pick narrows the token without asking.
	one := b.follow(b.get(env.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"},
		"authorization_details": {`[{"type":"photos","actions":["read"],"identifiers":["3"]}]`}})))
	res = env.redeem(t, redirectParams(t, one).Get("code"))
	if got := detailsOf(t, res.json["authorization_details"]); len(got) != 1 || !reflect.DeepEqual(got[0].Identifiers, []string{"3"}) {
		t.Errorf("proposal within the pick gave %v; want identifiers [3]", got)
	}

	// More items: asked again, offered only what was proposed, with what
	// is already shared ticked.
	more := consentFor(t, env, b, url.Values{"authorization_details": {`[{"type":"photos","actions":["read"],"identifiers":["3","2"]}]`}})
	all, checked = checkboxes(more.body)
	if more.status != http.StatusOK || !reflect.DeepEqual(all, []string{"2", "3"}) || !reflect.DeepEqual(checked, []string{"2", "3"}) {
		t.Fatalf("request for more: status %d, checkboxes %v checked %v; want the proposed 2 and 3, ticked", more.status, all, checked)
	}
	// The user narrows to 2: picking 1 (not proposed) is refused.
	if p := postPick(t, b, more, url.Values{"decision": {"allow"}}, "2", "1"); p.status != http.StatusBadRequest {
		t.Fatalf("pick outside the proposal: status %d; want 400", p.status)
	}
	res = env.redeem(t, redirectParams(t, postPick(t, b, more, url.Values{"decision": {"allow"}}, "2")).Get("code"))
	if got := detailsOf(t, res.json["authorization_details"]); !reflect.DeepEqual(got[0].Identifiers, []string{"2"}) {
		t.Errorf("narrowed pick gave %v; want [2]", got)
	}
	// The grant keeps photo 1, which the proposal did not show; 3 was
	// unticked and is gone.
	g, err = env.store.LiveGrant(context.Background(), "alice", printerID)
	if err != nil || !reflect.DeepEqual(decodeDetails(g.AuthorizationDetails)[0].Identifiers, []string{"1", "2"}) {
		t.Errorf("grant after the narrowed pick: %s, %v; want [1 2]", g.AuthorizationDetails, err)
	}
}

// TestPickerTamperedPost: whatever the form says, nothing outside the
// user's own listing, the proposal or the maximum is granted, and a
// refused form grants nothing at all.
func TestPickerTamperedPost(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params url.Values
		picks  []string
		status int
	}{
		{"unknown id", nil, []string{"1", "99"}, http.StatusBadRequest},
		{"another user's id", nil, []string{"b1"}, http.StatusBadRequest},
		{"duplicated id", nil, []string{"1", "1"}, http.StatusBadRequest},
		{"over the maximum", nil, []string{"1", "2", "3"}, http.StatusUnprocessableEntity},
		{"nothing picked", nil, nil, http.StatusUnprocessableEntity},
		{"not proposed", url.Values{"authorization_details": {`[{"type":"photos","identifiers":["1"]}]`}}, []string{"2"}, http.StatusBadRequest},
		{"empty id", nil, []string{""}, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, _ := newPickerServer(t, 2)
			b := newBrowser(t, env)
			params := tc.params
			if params == nil {
				params = url.Values{"scope": {"photos.read"}}
			}
			p := consentFor(t, env, b, params)
			got := postPick(t, b, p, url.Values{"decision": {"allow"}}, tc.picks...)
			if got.status != tc.status || !strings.Contains(got.body, `class="alert"`) {
				t.Errorf("status %d; want %d with the picker and an alert; body:\n%.600s", got.status, tc.status, got.body)
			}
			if _, err := env.store.LiveGrant(context.Background(), "alice", printerID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a grant exists after a refused pick (err %v)", err)
			}
		})
	}
}

// TestPickerListingFails: the page says so, offers only Deny, and an
// allow posted anyway grants nothing.
func TestPickerListingFails(t *testing.T) {
	env, pb := newPickerServer(t, 0)
	pb.fail.Store(true)
	b := newBrowser(t, env)
	p := consentFor(t, env, b, url.Values{"scope": {"photos.read"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "could not be loaded") || strings.Contains(p.body, `value="allow"`) {
		t.Fatalf("consent page with a failing listing: status %d; want the failure said and no Allow button:\n%s", p.status, p.body)
	}
	if got := postPick(t, b, p, url.Values{"decision": {"allow"}}, "1"); got.status != http.StatusBadGateway {
		t.Errorf("allow with a failing listing: status %d; want 502", got.status)
	}
	if _, err := env.store.LiveGrant(context.Background(), "alice", printerID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a grant exists after the listing failed (err %v)", err)
	}
	q := redirectParams(t, postPick(t, b, p, url.Values{"decision": {"deny"}}))
	if q.Get("error") != "access_denied" {
		t.Errorf("deny: %v; want error=access_denied", q)
	}
}

// TestPickerSelectAll: "Select all" and "Clear" work without script, as
// submit buttons the server answers with the page, capped at the maximum.
func TestPickerSelectAll(t *testing.T) {
	env, _ := newPickerServer(t, 3)
	b := newBrowser(t, env)
	p := consentFor(t, env, b, url.Values{"scope": {"photos.read"}})
	all := postPick(t, b, p, url.Values{"select": {"all.photos"}})
	if _, checked := checkboxes(all.body); all.status != http.StatusOK || !reflect.DeepEqual(checked, []string{"1", "2", "3"}) {
		t.Fatalf("select all: status %d, checked %v; want the first 3 (max_items)", all.status, checked)
	}
	none := postPick(t, b, all, url.Values{"select": {"none.photos"}}, "1", "2")
	if _, checked := checkboxes(none.body); len(checked) != 0 {
		t.Errorf("clear: checked %v; want none", checked)
	}
}

// TestThumbnails: pictures are served only for the signed-in user's own
// listed items, only raster images, only up to the size limit.
func TestThumbnails(t *testing.T) {
	env, pb := newPickerServer(t, 0)
	anon := newBrowser(t, env)
	if p := anon.get(thumbnailURL("photos", "1")); p.status != http.StatusUnauthorized {
		t.Errorf("without a session: status %d; want 401", p.status)
	}
	b := newBrowser(t, env)
	consentFor(t, env, b, url.Values{"scope": {"photos.read"}})
	p := b.get(thumbnailURL("photos", "1"))
	if p.status != http.StatusOK || p.body != string(pngBytes) || p.header.Get("Content-Type") != "image/png" ||
		p.header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("own photo: status %d type %q cache %q; want 200 image/png private, no-store", p.status, p.header.Get("Content-Type"), p.header.Get("Cache-Control"))
	}
	for _, u := range []string{thumbnailURL("photos", "b1"), thumbnailURL("photos", "99"), thumbnailURL("albums", "1")} {
		if p := b.get(u); p.status != http.StatusNotFound {
			t.Errorf("%s: status %d; want 404", u, p.status)
		}
	}
	pb.thumb.Store(func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "image/svg+xml")
		_, _ = w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	})
	if p := b.get(thumbnailURL("photos", "2")); p.status != http.StatusBadGateway {
		t.Errorf("SVG thumbnail: status %d; want 502", p.status)
	}
	pb.thumb.Store(func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(make([]byte, maxThumbnailBytes+1))
	})
	if p := b.get(thumbnailURL("photos", "2")); p.status != http.StatusBadGateway {
		t.Errorf("oversized thumbnail: status %d; want 502", p.status)
	}
}

// TestAccountChangesPick: the account page names what the app sees; a
// smaller pick replaces the grant, so tokens of the old one are refused
// at once, and the new pick goes into the next token.
func TestAccountChangesPick(t *testing.T) {
	env, _ := newPickerServer(t, 0)
	b := newBrowser(t, env)
	p := consentFor(t, env, b, url.Values{"scope": {"photos.read"}})
	res := env.redeem(t, redirectParams(t, postPick(t, b, p, url.Values{"decision": {"allow"}}, "1", "3")).Get("code"))
	v := env.verifier(t)
	old := res.json["access_token"].(string)
	acct := b.get("/oauth2/account")
	for _, want := range []string{"Beach", "Mountains", "2 photos shared", "/oauth2/account/items?client_id=" + printerID} {
		if !strings.Contains(acct.body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	if strings.Contains(acct.body, "Birthday") {
		t.Error("account page names an unpicked photo")
	}
	form := b.get("/oauth2/account/items?client_id=" + printerID)
	if _, checked := checkboxes(form.body); !reflect.DeepEqual(checked, []string{"1", "3"}) {
		t.Fatalf("change page: checked %v; want [1 3]", checked)
	}
	f, _ := findForm(form.body, "/oauth2/account/items")
	post := url.Values{"csrf_token": {f.fields.Get("csrf_token")}, "client_id": {printerID}, "decision": {"save"}, "pick.photos": {"3", "b1"}}
	if p := b.post("/oauth2/account/items", post); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("pick with bob's photo: status %d; want 422", p.status)
	}
	post["pick.photos"] = []string{"3"}
	if p := b.post("/oauth2/account/items", post); p.status != http.StatusSeeOther {
		t.Fatalf("save: status %d; want 303", p.status)
	}
	if _, err := v.Verify(context.Background(), old); !errors.Is(err, token.ErrRevoked) {
		t.Errorf("token of the wider pick after shrinking: %v; want ErrRevoked", err)
	}
	g, err := env.store.LiveGrant(context.Background(), "alice", printerID)
	if err != nil || !reflect.DeepEqual(decodeDetails(g.AuthorizationDetails)[0].Identifiers, []string{"3"}) {
		t.Fatalf("grant after the change: %s, %v; want [3]", g.AuthorizationDetails, err)
	}
	again := b.follow(b.get(env.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}})))
	res = env.redeem(t, redirectParams(t, again).Get("code"))
	if got := detailsOf(t, res.json["authorization_details"]); !reflect.DeepEqual(got[0].Identifiers, []string{"3"}) {
		t.Errorf("token after the change: %v; want [3]", got)
	}
}

// TestDiscoveryListsDetailsTypes: RFC 9396 §10.
func TestDiscoveryListsDetailsTypes(t *testing.T) {
	env, _ := newPickerServer(t, 0)
	p := newBrowser(t, env).get("/.well-known/oauth-authorization-server")
	var m struct {
		Types []string `json:"authorization_details_types_supported"`
	}
	if err := json.Unmarshal([]byte(p.body), &m); err != nil || !slices.Equal(m.Types, []string{"photos"}) {
		t.Errorf("authorization_details_types_supported = %v (%v); want [photos]", m.Types, err)
	}
}

// TestAuthorizationDetailsParam: what the authorization endpoint makes of
// an authorization_details parameter (RFC 9396 §2, §5): accepted ones lead
// to the picker; malformed or unsupported ones come back to the client as
// invalid_authorization_details.
func TestAuthorizationDetailsParam(t *testing.T) {
	env, _ := newPickerServer(t, 3)
	b := newBrowser(t, env)
	consentFor(t, env, b, url.Values{"scope": {"photos.read"}}) // sign in once
	for _, tc := range []struct {
		name, details, scope string
		wantErr              string // "" = the picker is shown
		offered              []string
	}{
		{"type only", `[{"type":"photos"}]`, "", "", []string{"1", "2", "3", "4"}},
		{"actions", `[{"type":"photos","actions":["read"]}]`, "", "", []string{"1", "2", "3", "4"}},
		{"identifiers", `[{"type":"photos","actions":["read"],"identifiers":["4","2"]}]`, "", "", []string{"2", "4"}},
		{"with scope", `[{"type":"photos","identifiers":["1"]}]`, "photos.read profile", "", []string{"1"}},
		{"not JSON", `photos`, "", "invalid_authorization_details", nil},
		{"object, not array", `{"type":"photos"}`, "", "invalid_authorization_details", nil},
		{"empty array", `[]`, "", "invalid_authorization_details", nil},
		{"no type", `[{"actions":["read"]}]`, "", "invalid_authorization_details", nil},
		{"unknown type", `[{"type":"albums"}]`, "", "invalid_authorization_details", nil},
		{"unknown action", `[{"type":"photos","actions":["delete"]}]`, "", "invalid_authorization_details", nil},
		{"action not allowed for client", `[{"type":"photos","actions":["write"]}]`, "", "invalid_authorization_details", nil},
		{"identifiers not strings", `[{"type":"photos","identifiers":[1,2]}]`, "", "invalid_authorization_details", nil},
		{"empty identifiers", `[{"type":"photos","identifiers":[]}]`, "", "invalid_authorization_details", nil},
		{"repeated identifier", `[{"type":"photos","identifiers":["1","1"]}]`, "", "invalid_authorization_details", nil},
		{"over max_items", `[{"type":"photos","identifiers":["1","2","3","4"]}]`, "", "invalid_authorization_details", nil},
		{"control character", `[{"type":"photos","identifiers":["a\u0000b"]}]`, "", "invalid_authorization_details", nil},
		{"type twice", `[{"type":"photos"},{"type":"photos"}]`, "", "invalid_authorization_details", nil},
		{"locations", `[{"type":"photos","locations":["https://x"]}]`, "", "invalid_authorization_details", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := url.Values{"client_id": {printerID}, "response_type": {"code"}, "state": {"s1"}, "authorization_details": {tc.details}}
			if tc.scope != "" {
				params.Set("scope", tc.scope)
			}
			p := b.follow(b.get(env.authURL(params)))
			if tc.wantErr != "" {
				q := redirectParams(t, p)
				if q.Get("error") != tc.wantErr || q.Get("state") != "s1" || q.Get("iss") != env.ts.URL {
					t.Errorf("redirect %v; want error=%s with state and iss", q, tc.wantErr)
				}
				return
			}
			if all, _ := checkboxes(p.body); p.status != http.StatusOK || !reflect.DeepEqual(all, tc.offered) {
				t.Errorf("status %d, offered %v; want the picker offering %v", p.status, all, tc.offered)
			}
		})
	}
}

// FuzzParseDetailsParam: the request parser never panics, and what it
// accepts is within the configuration: known types, allowed actions,
// valid and unique identifiers within the maximum.
func FuzzParseDetailsParam(f *testing.F) {
	env, _ := newPickerServer(f, 3)
	c := env.srv.clients[printerID]
	for _, s := range []string{`[{"type":"photos"}]`, `[{"type":"photos","actions":["read"],"identifiers":["1","3"]}]`,
		`[{"type":"photos","identifiers":[]}]`, `[{"type":"x","locations":["a"]}]`, `[null]`, `[{"type":"photos","actions":"read"}]`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		items, oe := env.srv.parseDetailsParam(c, raw)
		if oe != nil {
			if oe.Code != codeInvalidAuthorizationDetails || items != nil {
				t.Fatalf("error %v with items %v", oe, items)
			}
			return
		}
		for _, it := range items {
			res := env.srv.resources[it.Type]
			if res == nil || len(it.Actions) == 0 || len(it.Proposed) > res.MaxItems {
				t.Fatalf("accepted %+v", it)
			}
			for _, a := range it.Actions {
				if sc := res.actions[a]; !slices.Contains(c.Scopes, sc) {
					t.Fatalf("accepted action %q the client may not use", a)
				}
			}
			for i, id := range it.Proposed {
				if !validItemID(id) || slices.Contains(it.Proposed[:i], id) {
					t.Fatalf("accepted identifier %q", id)
				}
			}
		}
	})
}

// TestPickCarriedByRefresh: a refreshed access token and its token
// response carry the pick of the code (RFC 9396 §7), and the audit log
// records the pick without any token or code.
func TestPickCarriedByRefresh(t *testing.T) {
	pb := newPhotoBackend(t)
	core, logs := observer.New(zapcore.InfoLevel)
	env := newTestServer(t, func(c *Config) {
		c.Resources = []Resource{{Type: "photos", Scopes: []string{"photos.read"},
			List: ResourceList{Upstream: "photos", Path: "/photos", Items: "photos", ID: "id", Label: "title"}}}
		c.Fetch = pb.fetch
		c.Audit = zap.New(core)
		for i := range c.Clients {
			if c.Clients[i].ID == printerID {
				c.Clients[i].GrantTypes = []string{oauthrule.GrantAuthorizationCode, oauthrule.GrantRefreshToken}
			}
		}
	})
	b := newBrowser(t, env)
	p := consentFor(t, env, b, url.Values{"scope": {"photos.read"}})
	code := redirectParams(t, postPick(t, b, p, url.Values{"decision": {"allow"}}, "2")).Get("code")
	res := env.redeem(t, code)
	rt, _ := res.json["refresh_token"].(string)
	if res.status != http.StatusOK || rt == "" {
		t.Fatalf("code exchange: %d %v; want a refresh token", res.status, res.json)
	}
	ref := env.callToken(t, tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}},
		basic: []string{printerID, printerSecret}})
	want := []token.AuthorizationDetail{{Type: "photos", Actions: []string{"read"}, Identifiers: []string{"2"}}}
	if ref.status != http.StatusOK || !reflect.DeepEqual(detailsOf(t, ref.json["authorization_details"]), want) {
		t.Fatalf("refresh: %d %v; want authorization_details %v", ref.status, ref.json, want)
	}
	v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{URL: env.ts.URL, Audience: env.ts.URL, Keys: env.srv.KeySet()}}})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.Verify(context.Background(), ref.json["access_token"].(string)); err != nil || !reflect.DeepEqual(c.AuthorizationDetails, want) {
		t.Errorf("refreshed access token: %+v, %v; want %v", c, err, want)
	}
	picked := logs.FilterMessage(EventItemsPicked).All()
	if len(picked) != 1 || picked[0].ContextMap()["count"] != int64(1) {
		t.Fatalf("audit %s entries: %+v; want one with count 1", EventItemsPicked, picked)
	}
	for _, f := range fieldValues(logs.All()) {
		for _, secret := range []string{code, rt, res.json["access_token"].(string)} {
			if strings.Contains(f, secret) {
				t.Fatalf("audit log holds a code or token: %q", f)
			}
		}
	}
}
