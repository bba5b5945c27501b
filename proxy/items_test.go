package proxy_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token"
)

// itemRoutes is a policy for picked photos (RFC 9396 authorization_details).
func itemRoutes(t testing.TB) *policy.Set {
	t.Helper()
	read := []string{"photos.read"}
	routes := []policy.Route{
		{Pattern: "GET /photos/{id}", Upstream: "photos", Scopes: read, Resource: &policy.ItemRef{Type: "photos", Param: "id"}},
		{Pattern: "GET /photos", Upstream: "photos", Scopes: read, Filter: &policy.ListFilter{Type: "photos", Items: "photos", ID: "id"}},
		{Pattern: "GET /all", Upstream: "photos", Scopes: read, Filter: &policy.ListFilter{Type: "photos", Items: "", ID: "id"}},
		{Pattern: "GET /users/{user}/albums", Upstream: "photos", Scopes: read, Owner: "user"},
	}
	set, diags := policy.Compile(routes, policy.Env{Upstreams: []string{"photos"},
		Resources: map[string][]string{"photos": read}})
	if len(diags) > 0 {
		t.Fatalf("Compile: %v", diags)
	}
	return set
}

func newItemEnv(t testing.TB, mod func(*proxy.Config)) *env {
	return newEnv(t, func(c *proxy.Config) {
		c.Policy = itemRoutes(t)
		if mod != nil {
			mod(c)
		}
	})
}

// picked signs a token for sub, narrowed to ids of photos.
func (e *env) picked(sub string, ids ...string) string {
	c := e.key.Claims(testIssuer, testAudience, sub, "photos.read")
	c.AuthorizationDetails = []token.AuthorizationDetail{{Type: "photos", Actions: []string{"read"}, Identifiers: ids}}
	return e.key.Sign(e.t, c)
}

// clientToken is a client-credentials token: sub is the client.
func (e *env) clientToken() string {
	c := e.key.Claims(testIssuer, testAudience, "printer", "photos.read")
	c.ClientID = "printer"
	return e.key.Sign(e.t, c)
}

func withBearer(tok string) map[string][]string {
	return map[string][]string{"Authorization": {"Bearer " + tok}}
}

func TestResourceRoute(t *testing.T) {
	t.Parallel()
	e := newItemEnv(t, nil)
	alice := e.picked("alice", "1", "3")
	tests := []struct {
		name, tok, path string
		want            int
	}{
		{"picked", alice, "/photos/1", 200},
		{"picked, escaped", alice, "/photos/%33", 200},
		{"not picked", alice, "/photos/2", 403},
		{"prefix of a picked id", alice, "/photos/", 404},
		{"narrowed to nothing", e.picked("alice"), "/photos/1", 403},
		{"photos.read without a pick is narrowed to nothing", e.token("photos.read"), "/photos/1", 403},
		{"client credentials are not narrowed", e.clientToken(), "/photos/2", 200},
		{"bob's token with the same id opens only what bob picked", e.picked("bob", "2"), "/photos/1", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.back.requests())
			res := e.do("GET", tt.path, withBearer(tt.tok))
			if res.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.want)
			}
			forwarded := len(e.back.requests()) - before
			if tt.want == 403 {
				if forwarded != 0 {
					t.Errorf("the backend saw a refused request")
				}
				if got := res.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="insufficient_scope"`) {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			}
		})
	}

	res := e.do("GET", "/photos/2", withBearer(alice))
	var body struct {
		Error   string                      `json:"error"`
		Details []token.AuthorizationDetail `json:"authorization_details"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Error != "insufficient_scope" || len(body.Details) != 1 || body.Details[0].Type != "photos" ||
		len(body.Details[0].Identifiers) != 1 || body.Details[0].Identifiers[0] != "2" {
		t.Errorf("body = %+v; want the missing photos item 2 named", body)
	}
	// The subject reaches the backend, which scopes ids per user.
	e.do("GET", "/photos/1", withBearer(alice))
	reqs := e.back.requests()
	if got := reqs[len(reqs)-1].Header.Get("X-Auth-Subject"); got != "alice" {
		t.Errorf("X-Auth-Subject = %q", got)
	}
}

func TestOwnerRoute(t *testing.T) {
	t.Parallel()
	e := newItemEnv(t, nil)
	for _, tt := range []struct {
		path string
		want int
	}{
		{"/users/alice/albums", 200},
		{"/users/bob/albums", 403},
		{"/users/Alice/albums", 403},
		{"/users/%61lice/albums", 200},
	} {
		res := e.do("GET", tt.path, withBearer(e.picked("alice", "1")))
		if res.StatusCode != tt.want {
			t.Errorf("GET %s: status = %d, want %d", tt.path, res.StatusCode, tt.want)
		}
	}
	if res := e.do("GET", "/users/printer/albums", withBearer(e.clientToken())); res.StatusCode != 200 {
		t.Errorf("client token on its own owner path: %d", res.StatusCode)
	}
}

const photoList = `{"photos":[{"id":"1","title":"Beach"},{"id":"2","title":"Cat"},{"id":"3","title":"Dog"},{"id":4,"title":"Sea"}],"total":4}`

func TestFilterRoute(t *testing.T) {
	t.Parallel()
	e := newItemEnv(t, nil)
	var gotAE, gotINM string
	e.back.setHandler(func(w http.ResponseWriter, r *http.Request) {
		gotAE, gotINM = r.Header.Get("Accept-Encoding"), r.Header.Get("If-None-Match")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("ETag", `"abc"`)
		w.Header().Set("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
		w.Header().Set("Content-Length", fmt.Sprint(len(photoList)))
		io.WriteString(w, photoList)
	})
	res := e.do("GET", "/photos", map[string][]string{"Authorization": {"Bearer " + e.picked("alice", "1", "4")}, "If-None-Match": {`"abc"`}})
	body, _ := io.ReadAll(res.Body)
	want := `{"photos":[{"id":"1","title":"Beach"},{"id":4,"title":"Sea"}],"total":4}`
	if res.StatusCode != 200 || string(body) != want {
		t.Fatalf("status %d body %s; want %s", res.StatusCode, body, want)
	}
	if res.ContentLength != int64(len(want)) {
		t.Errorf("Content-Length = %d, want %d", res.ContentLength, len(want))
	}
	for _, k := range []string{"ETag", "Last-Modified"} {
		if v := res.Header.Get(k); v != "" {
			t.Errorf("%s = %q; validators of the unfiltered list must go", k, v)
		}
	}
	if gotINM != "" {
		t.Errorf("If-None-Match reached the backend: %q", gotINM)
	}
	if gotAE != "gzip, deflate" {
		t.Errorf("Accept-Encoding upstream = %q", gotAE)
	}

	// Not narrowed: the answer streams through unchanged, validators kept.
	res = e.do("GET", "/photos", withBearer(e.clientToken()))
	body, _ = io.ReadAll(res.Body)
	if string(body) != photoList || res.Header.Get("ETag") != `"abc"` {
		t.Errorf("client token: body %s etag %q; want the whole list", body, res.Header.Get("ETag"))
	}
}

// withheld is the body a filter route sends for an upstream's error or
// redirect answer of status.
func withheld(status int) string {
	return fmt.Sprintf(`{"error":"upstream_error","error_description":"the upstream answered %d; `+
		`its body is withheld from a token narrowed to picked items"}`+"\n", status)
}

func rawDeflate(s string) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.DefaultCompression)
	io.WriteString(w, s)
	w.Close()
	return b.Bytes()
}

func TestFilterRouteCodings(t *testing.T) {
	t.Parallel()
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		io.WriteString(w, s)
		w.Close()
		return b.Bytes()
	}
	zl := func(s string) []byte {
		var b bytes.Buffer
		w := zlib.NewWriter(&b)
		io.WriteString(w, s)
		w.Close()
		return b.Bytes()
	}
	big := `[` + strings.Repeat(`{"id":"9","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},`, 2000) + `{"id":"1"}]`
	tests := []struct {
		name, path, ctype, coding string
		status                    int
		body                      []byte
		want                      int
		wantBody                  string
	}{
		{"gzip", "/all", "application/json", "gzip", 200, gz(`[{"id":"1"},{"id":"2"}]`), 200, `[{"id":"1"}]`},
		{"deflate", "/all", "application/json", "deflate", 200, zl(`[{"id":"1"},{"id":"2"}]`), 200, `[{"id":"1"}]`},
		{"problem+json type", "/all", "application/vnd.api+json", "", 200, []byte(`[{"id":"2"}]`), 200, `[]`},
		{"brotli refused", "/all", "application/json", "br", 200, []byte("xx"), 502, ""},
		{"corrupt gzip refused", "/all", "application/json", "gzip", 200, []byte("not gzip"), 502, ""},
		{"not JSON refused", "/all", "text/html", "", 200, []byte(`<p>[{"id":"2"}]</p>`), 502, ""},
		{"invalid JSON refused", "/all", "application/json", "", 200, []byte(`[{"id":"2"`), 502, ""},
		{"list too large refused", "/all", "application/json", "", 200, []byte(big), 502, ""},
		{"zip bomb refused", "/all", "application/json", "gzip", 200, gz(big), 502, ""},
		{"partial content refused", "/all", "application/json", "", 206, []byte(`[{"id":"2"}]`), 502, ""},
		{"raw deflate", "/all", "application/json", "deflate", 200, rawDeflate(`[{"id":"1"},{"id":"2"}]`), 200, `[{"id":"1"}]`},
		{"corrupt deflate refused", "/all", "application/json", "deflate", 200, []byte("\x78\x9cnot deflate"), 502, ""},
		// An error's body is not the list and may quote any item: its
		// status passes, its body does not.
		{"backend error's body withheld", "/all", "application/json", "", 404, []byte(`{"error":"nope"}`), 404, withheld(404)},
		{"list in an error withheld", "/all", "application/json", "gzip", 500, gz(`[{"id":"1"},{"id":"2"}]`), 500, withheld(500)},
		{"redirect's body withheld", "/all", "text/html", "", 302, []byte(`<a href="/x">[{"id":"2"}]</a>`), 302, withheld(302)},
	}
	e := newItemEnv(t, func(c *proxy.Config) { c.FilterLimit = 64 << 10 })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.back.setHandler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				if tt.coding != "" {
					w.Header().Set("Content-Encoding", tt.coding)
				}
				w.WriteHeader(tt.status)
				w.Write(tt.body)
			})
			res := e.do("GET", tt.path, withBearer(e.picked("alice", "1")))
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d (%s)", res.StatusCode, tt.want, body)
			}
			if tt.want >= 300 && (bytes.Contains(body, []byte(`"2"`)) || bytes.Contains(body, []byte(`"9"`))) {
				t.Errorf("answer %d leaked the list: %s", res.StatusCode, body)
			}
			if tt.want == 502 {
				return
			}
			if string(body) != tt.wantBody {
				t.Errorf("body = %s, want %s", body, tt.wantBody)
			}
			if res.Header.Get("Content-Encoding") != "" {
				t.Errorf("Content-Encoding = %q; the filtered answer is plain", res.Header.Get("Content-Encoding"))
			}
		})
	}
}
