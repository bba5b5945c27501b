package printshop

import (
	"bytes"
	"context"
	"html"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/internal/demo/photoapi"
)

// env is a shop wired to a fake authorization server and a fake gateway, with a
// browser-like client (cookie jar, follows redirects).
type env struct {
	as      *fakeAS
	gw      *fakeGateway
	shop    *httptest.Server
	browser *http.Client
}

func newEnv(t *testing.T, backend http.Handler, edit func(*fakeAS)) *env {
	t.Helper()
	as := newFakeAS(t)
	if edit != nil {
		edit(as)
	}
	gw := newFakeGateway(t, as.token, backend)
	late := &lateHandler{}
	shopSrv := httptest.NewServer(late)
	t.Cleanup(shopSrv.Close)
	shop, err := New(context.Background(), Config{
		IssuerURL: as.srv.URL, GatewayURL: gw.srv.URL,
		ClientID: "photo-printer", ClientSecret: "s3cret",
		RedirectURL: shopSrv.URL + "/callback",
		Now:         as.shopNow,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var h http.Handler = shop
	late.h.Store(&h)
	jar, _ := cookiejar.New(nil)
	return &env{as: as, gw: gw, shop: shopSrv, browser: &http.Client{Jar: jar}}
}

// get and post return the final status, URL and page after following redirects.
func (e *env) get(t *testing.T, path string) (int, *url.URL, string) {
	t.Helper()
	resp, err := e.browser.Get(e.shop.URL + path)
	return e.read(t, "GET "+path, resp, err)
}

func (e *env) post(t *testing.T, path string, form url.Values) (int, *url.URL, string) {
	t.Helper()
	resp, err := e.browser.PostForm(e.shop.URL+path, form)
	return e.read(t, "POST "+path, resp, err)
}

func (e *env) read(t *testing.T, what string, resp *http.Response, err error) (int, *url.URL, string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Request.URL, string(b)
}

// connect runs steps 1 to 7 from the home page and returns the page the browser lands on.
func (e *env) connect(t *testing.T) (int, string) {
	t.Helper()
	_, _, home := e.get(t, "/")
	status, _, page := e.post(t, "/connect", url.Values{"csrf": {csrfOf(t, home)}})
	return status, page
}

// stepClass returns the class attribute of timeline step n.
func stepClass(t *testing.T, page string, n int) string {
	t.Helper()
	m := regexp.MustCompile(`data-step="` + string(rune('0'+n)) + `" class="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no timeline step %d in page", n)
	}
	return m[1]
}

func TestFullFlow(t *testing.T) {
	e := newEnv(t, photoapi.New(photoapi.Config{}), nil)

	status, home := e.connect(t)
	if status != http.StatusOK || !strings.Contains(home, `id="photos"`) {
		t.Fatalf("after connecting: status %d, want 200 and the photo list; fake AS says %q; page:\n%s", status, e.as.lastErr, home)
	}
	if strings.Contains(home, e.as.token) || strings.Contains(home, "code-1") {
		t.Errorf("the page shows the access token or the code; it must never")
	}
	for n := 1; n <= 9; n++ {
		if got := stepClass(t, home, n); got != "step done" {
			t.Errorf("timeline step %d has class %q, want %q", n, got, "step done")
		}
	}
	checkboxes := regexp.MustCompile(`<input type="checkbox" name="photo" value="([^"]+)"`).FindAllStringSubmatch(home, -1)
	if len(checkboxes) != 4 { // alice's seeded photos
		t.Fatalf("photo checkboxes = %d, want alice's 4", len(checkboxes))
	}
	for _, want := range []string{"Sunrise over the bay", "photos.read", "For user", "alice", "200 OK: 4 photos"} {
		if !strings.Contains(home, want) {
			t.Errorf("connected home page lacks %q", want)
		}
	}

	t.Run("thumbnail", func(t *testing.T) {
		resp, err := e.browser.Get(e.shop.URL + "/thumb/" + checkboxes[0][1])
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		img, err := png.Decode(resp.Body)
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("GET /thumb = %d, PNG decode error %v; want 200 and a PNG", resp.StatusCode, err)
		}
		if w := img.Bounds().Dx(); w != 240 {
			t.Errorf("thumbnail width = %d, want 240", w)
		}
		anon, _ := http.Get(e.shop.URL + "/thumb/" + checkboxes[0][1])
		anon.Body.Close()
		if anon.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /thumb without the session cookie = %d, want 401", anon.StatusCode)
		}
	})

	t.Run("order", func(t *testing.T) {
		csrf := csrfOf(t, home)
		form := url.Values{"csrf": {csrf}, "photo": {checkboxes[0][1], checkboxes[2][1]}, "size": {"13x18"}, "quantity": {"2"}}
		status, u, page := e.post(t, "/order", form)
		if status != 200 || !strings.HasPrefix(u.Path, "/orders/PMP-") || !strings.Contains(page, `id="order-confirmation"`) {
			t.Fatalf("POST /order landed on %d %s, want 200 /orders/PMP-… with the confirmation", status, u.Path)
		}
		for _, want := range []string{"Sunrise over the bay", "Evening at the lake", "13 × 18 cm large", "€2.36", `src="/thumb/` + checkboxes[2][1] + `"`} {
			if !strings.Contains(page, want) {
				t.Errorf("confirmation page lacks %q", want)
			}
		}
		if strings.Contains(page, "Green hills after the rain") {
			t.Errorf("confirmation lists a photo that was not chosen")
		}
	})

	t.Run("order rejects", func(t *testing.T) {
		csrf := csrfOf(t, home)
		tests := []struct {
			name       string
			form       url.Values
			wantStatus int
			wantText   string
		}{
			{"no photo", url.Values{"csrf": {csrf}, "size": {"10x15"}, "quantity": {"1"}}, 200, "Pick at least one photo"},
			{"bob's photo", url.Values{"csrf": {csrf}, "photo": {"5"}, "size": {"10x15"}, "quantity": {"1"}}, 200, "no longer available"},
			{"bad size", url.Values{"csrf": {csrf}, "photo": {"1"}, "size": {"1x1"}, "quantity": {"1"}}, 200, "Choose a print size"},
			{"too many", url.Values{"csrf": {csrf}, "photo": {"1"}, "size": {"10x15"}, "quantity": {"51"}}, 200, "between 1 and 50"},
			{"no csrf", url.Values{"photo": {"1"}, "size": {"10x15"}, "quantity": {"1"}}, 403, "Your visit timed out"},
			{"wrong csrf", url.Values{"csrf": {"x" + csrf}, "photo": {"1"}, "size": {"10x15"}, "quantity": {"1"}}, 403, "Your visit timed out"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, u, page := e.post(t, "/order", tc.form)
				if status != tc.wantStatus || strings.HasPrefix(u.Path, "/orders/") || !strings.Contains(page, tc.wantText) {
					t.Errorf("POST /order = %d at %s, want %d with %q and no order", status, u.Path, tc.wantStatus, tc.wantText)
				}
			})
		}
	})

	t.Run("upload is refused for lack of photos.write", func(t *testing.T) {
		status, _, page := e.post(t, "/try-upload", url.Values{"csrf": {csrfOf(t, home)}})
		text := html.UnescapeString(page)
		for _, want := range []string{
			`id="gateway-answer"`,
			"HTTP 403 Forbidden",
			`WWW-Authenticate: Bearer realm="scopegate", error="insufficient_scope", scope="photos.write"`,
			`"error": "insufficient_scope"`,
			"only let PrintMyPhotos read photos, not upload them",
		} {
			if status != 200 || !strings.Contains(text, want) {
				t.Errorf("after POST /try-upload: status %d, page lacks %q", status, want)
			}
		}
	})

	t.Run("expired token offers to reconnect", func(t *testing.T) {
		e.gw.expired.Store(true)
		defer e.gw.expired.Store(false)
		_, _, page := e.get(t, "/")
		if !strings.Contains(page, `id="expired"`) || !strings.Contains(page, "401 Unauthorized") || !strings.Contains(page, `id="connect"`) ||
			!strings.Contains(page, "has expired") {
			t.Errorf("home page with an expired token lacks the 401 notice or the reconnect button")
		}
		if got := stepClass(t, page, 9); got != "step failed" {
			t.Errorf("step 9 after a 401 has class %q, want %q", got, "step failed")
		}
	})

	t.Run("revoked token says the drive withdrew it", func(t *testing.T) {
		e.gw.revoked.Store(true)
		defer e.gw.revoked.Store(false)
		_, _, page := e.get(t, "/")
		if !strings.Contains(page, "Your drive withdrew our access") || strings.Contains(page, "has expired") || !strings.Contains(page, `id="connect"`) {
			t.Errorf("home page with a revoked token does not say it was withdrawn, or lacks the reconnect button")
		}
	})

	t.Run("disconnect", func(t *testing.T) {
		_, _, page := e.get(t, "/")
		_, _, page = e.post(t, "/disconnect", url.Values{"csrf": {csrfOf(t, page)}})
		if strings.Contains(page, "Drive connected") || !strings.Contains(page, `id="connect"`) {
			t.Errorf("after disconnecting the page still shows a connection or lacks the connect button")
		}
		before := e.gw.calls.Load()
		resp, _ := e.browser.Get(e.shop.URL + "/thumb/1")
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || e.gw.calls.Load() != before {
			t.Errorf("GET /thumb after disconnect = %d with %d gateway calls, want 401 and none", resp.StatusCode, e.gw.calls.Load()-before)
		}
	})
}

// TestCallbackChecks stops the browser at /callback, tampers with the query, and checks
// that the shop refuses to exchange anything that does not belong to its own request.
func TestCallbackChecks(t *testing.T) {
	tests := []struct {
		name         string
		tamper       func(q url.Values)
		wantStatus   int
		wantText     string
		wantExchange bool
	}{
		{"untouched", func(url.Values) {}, 200, `id="photos"`, true},
		{"state mismatch", func(q url.Values) { q.Set("state", "forged") }, 400, "the state did not match", false},
		{"state missing", func(q url.Values) { q.Del("state") }, 400, "the state did not match", false},
		{"wrong iss", func(q url.Values) { q.Set("iss", "https://evil.example") }, 400, "the iss parameter did not match", false},
		{"iss missing though advertised", func(q url.Values) { q.Del("iss") }, 400, "the iss parameter did not match", false},
		{"wrong code", func(q url.Values) { q.Set("code", "code-999") }, 502, "We could not finish connecting", true},
	}
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"photos":[]}`))
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, backend, nil)
			e.browser.CheckRedirect = func(req *http.Request, via []*http.Request) error {
				if req.URL.Path == "/callback" {
					return http.ErrUseLastResponse
				}
				return nil
			}
			_, _, home := e.get(t, "/")
			resp, err := e.browser.PostForm(e.shop.URL+"/connect", url.Values{"csrf": {csrfOf(t, home)}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			cb, err := url.Parse(resp.Header.Get("Location"))
			if err != nil || cb.Path != "/callback" {
				t.Fatalf("fake AS redirected to %q, want the shop's /callback", resp.Header.Get("Location"))
			}
			q := cb.Query()
			tc.tamper(q)
			cb.RawQuery = q.Encode()
			e.browser.CheckRedirect = nil
			resp, err = e.browser.Get(cb.String())
			status, _, page := e.read(t, "GET /callback", resp, err)
			if status != tc.wantStatus || !strings.Contains(page, tc.wantText) {
				t.Errorf("callback = %d, want %d with %q; page:\n%s", status, tc.wantStatus, tc.wantText, page)
			}
			if got := e.as.exchanges.Load() > 0; got != tc.wantExchange {
				t.Errorf("token endpoint called = %v, want %v", got, tc.wantExchange)
			}
		})
	}
}

func TestDeclined(t *testing.T) {
	e := newEnv(t, http.NotFoundHandler(), func(as *fakeAS) { as.decline = true })
	status, page := e.connect(t)
	if status != 200 || !strings.Contains(page, `id="declined"`) || !strings.Contains(page, `id="connect"`) {
		t.Fatalf("after declining: status %d, want 200 with the declined notice and a connect button", status)
	}
	if got := stepClass(t, page, 4); got != "step failed" {
		t.Errorf("step 4 after declining has class %q, want %q", got, "step failed")
	}
	if e.as.exchanges.Load() != 0 || e.gw.calls.Load() != 0 {
		t.Errorf("after declining: %d token requests, %d gateway calls; want none", e.as.exchanges.Load(), e.gw.calls.Load())
	}
}

func TestWrongClientSecret(t *testing.T) {
	e := newEnv(t, http.NotFoundHandler(), func(as *fakeAS) { as.secret = "another" })
	status, page := e.connect(t)
	if status != http.StatusBadGateway || !strings.Contains(page, "invalid_grant") {
		t.Errorf("connect with a wrong secret = %d, want 502 naming invalid_grant", status)
	}
	if e.as.lastErr != "bad client credentials" {
		t.Errorf("fake AS rejected the exchange for %q, want bad client credentials", e.as.lastErr)
	}
}

func TestAuthParams(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
	}{
		{`Bearer realm="scopegate", error="insufficient_scope", scope="photos.write"`,
			map[string]string{"realm": "scopegate", "error": "insufficient_scope", "scope": "photos.write"}},
		{`Bearer error=invalid_token,scope="a b"`, map[string]string{"error": "invalid_token", "scope": "a b"}},
		{`Bearer error="say \"hi\""`, map[string]string{"error": `say "hi"`}},
		{`Bearer`, map[string]string{}},
		{``, map[string]string{}},
	}
	for _, tc := range tests {
		got := authParams(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("authParams(%q) = %v, want %v", tc.in, got, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("authParams(%q)[%q] = %q, want %q", tc.in, k, got[k], v)
			}
		}
	}
}

func TestStaticCSS(t *testing.T) {
	e := newEnv(t, http.NotFoundHandler(), nil)
	status, _, css := e.get(t, "/static/shop.css")
	if status != 200 || !bytes.Contains([]byte(css), []byte(":focus-visible")) {
		t.Errorf("GET /static/shop.css = %d, want 200 and the stylesheet", status)
	}
}
