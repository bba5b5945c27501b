package config

import (
	"errors"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// aliceHash is bcrypt("alice-photos"), as in the example config.
const aliceHash = "$2a$10$vt/0xiPsVp2Ot1F48ASsp.dPYS3B.qyfV5.JWoeKeB4M6RK4cVeji"

// printerSecret is what tests put in PRINTER_SECRET.
const printerSecret = "s3cr3t-printer-value-XYZ"

func testEnv(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// problems parses src as "c.yaml" and returns each diagnostic as a line;
// nil when the file is valid.
func problems(t *testing.T, src string, env map[string]string) []string {
	t.Helper()
	f, err := Parse("c.yaml", []byte(src), testEnv(env))
	if err == nil {
		if f == nil || f.Policy == nil {
			t.Fatalf("Parse returned no error but File %v / Policy nil", f)
		}
		return nil
	}
	if f != nil {
		t.Errorf("Parse returned a File together with an error")
	}
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("Parse error is %T, want Diagnostics: %v", err, err)
	}
	return strings.Split(ds.Error(), "\n")
}

type problemCase struct {
	name string
	yaml string
	env  map[string]string
	want []string // nil: the file is valid
}

func runProblems(t *testing.T, cases []problemCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := problems(t, tc.yaml, tc.env)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Parse(%q)\n got: %q\nwant: %q", tc.yaml, got, tc.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	want := File{
		Path: "c.yaml",
		Server: Server{Listen: ":8080", AdminListen: "127.0.0.1:9090",
			ReadTimeout: DefaultReadTimeout, BodyIdleTimeout: DefaultBodyIdleTimeout, IdleTimeout: DefaultIdleTimeout},
		Log:   Log{Level: "info", Format: "json", Access: true},
		Store: Store{Driver: "sqlite", DSN: "scopegate.db"},
		AuthServer: AuthServer{Issuer: "http://localhost:8080", Audience: "http://localhost:8080", AccessTokenTTL: 10 * time.Minute,
			RefreshTokenIdleTTL: 336 * time.Hour, RefreshTokenTTL: 2160 * time.Hour},
		Gateway: Gateway{Browser: Browser{SessionLifetime: 8 * time.Hour, IdleTimeout: 30 * time.Minute}},
	}
	for _, tc := range []struct{ name, src string }{
		{"empty file", ""},
		{"empty document", "---\n"},
		{"empty sections", "server:\nlog: {}\nstore:\nauthserver:\ngateway:\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("c.yaml", []byte(tc.src), testEnv(nil))
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tc.src, err)
			}
			if f.Policy == nil || len(f.Policy.Routes()) != 0 {
				t.Errorf("Policy = %v, want an empty set", f.Policy)
			}
			got := *f
			got.Policy = nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(%q)\n got: %+v\nwant: %+v", tc.src, got, want)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	src := `server:
  listen: "0.0.0.0:8443"
  admin_listen: "127.0.0.1:9443"
  trusted_proxies: ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]
log: {level: debug, format: console, access: false}
store: {driver: postgres, dsn: "${DSN}"}
authserver:
  issuer: https://photos.example.com
  audience: photos-api
  access_token_ttl: 1h30m
  scopes:
    photos.write: Upload
    photos.read: See
  clients:
    - id: batch
      secret_hash: "` + aliceHash + `"
      grant_types: [client_credentials]
      scopes: [photos.read, openid]
gateway:
  upstreams:
    b: {url: "https://b.internal/api", timeout: 5s, pass_authorization: true}
    a: {url: "http://10.0.0.2:9000"}
`
	f, err := Parse("c.yaml", []byte(src), testEnv(map[string]string{"DSN": "postgres://db/x"}))
	if err != nil {
		t.Fatal(err)
	}
	wantProxies := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32"),
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", f.Server.Listen, "0.0.0.0:8443"},
		{"trusted proxies", f.Server.TrustedProxies, wantProxies},
		{"log", f.Log, Log{Level: "debug", Format: "console", Access: false}},
		{"store", f.Store, Store{Driver: "postgres", DSN: "postgres://db/x"}},
		{"audience", f.AuthServer.Audience, "photos-api"},
		{"ttl", f.AuthServer.AccessTokenTTL, 90 * time.Minute},
		{"scope order", f.AuthServer.Scopes, []Scope{{"photos.write", "Upload"}, {"photos.read", "See"}}},
		{"client name defaults to id", f.AuthServer.Clients[0].Name, "batch"},
		{"grant types", f.AuthServer.Clients[0].GrantTypes, []string{"client_credentials"}},
		{"upstream order", []string{f.Gateway.Upstreams[0].Name, f.Gateway.Upstreams[1].Name}, []string{"b", "a"}},
		{"upstream url", f.Gateway.Upstreams[0].URL.String(), "https://b.internal/api"},
		{"upstream timeout", f.Gateway.Upstreams[0].Timeout, 5 * time.Second},
		{"pass_authorization", f.Gateway.Upstreams[0].PassAuthorization, true},
		{"pass_authorization default", f.Gateway.Upstreams[1].PassAuthorization, false},
	}
	for _, c := range checks {
		if !equal(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

// equal compares the few shapes TestParseValues uses.
func equal(a, b any) bool {
	switch a := a.(type) {
	case []string:
		return slices.Equal(a, b.([]string))
	case []Scope:
		return slices.Equal(a, b.([]Scope))
	case []netip.Prefix:
		return slices.Equal(a, b.([]netip.Prefix))
	}
	return a == b
}

func TestSampleConfigs(t *testing.T) {
	env := testEnv(map[string]string{"PRINTER_SECRET": printerSecret})
	for _, tc := range []struct {
		name, path string
		routes     int
	}{
		{"design sample", "testdata/design.yaml", 3},
		{"config.example.yaml", "../config.example.yaml", 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(tc.path, env)
			if err != nil {
				t.Fatalf("Load(%s):\n%v", tc.path, err)
			}
			if got := len(f.Policy.Routes()); got != tc.routes {
				t.Errorf("routes: got %d, want %d", got, tc.routes)
			}
			if got := f.AuthServer.Clients[0].Secret; got != printerSecret {
				t.Errorf("photo-printer secret: got %q, want PRINTER_SECRET's value", got)
			}
			if !f.AuthServer.Clients[1].Public() {
				t.Errorf("mobile-app: want a public client")
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml", testEnv(nil))
	var ds Diagnostics
	if err == nil || errors.As(err, &ds) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want a wrapped os.ErrNotExist", err)
	}
}

// TestExampleConfigPicksPhotos keeps config.example.yaml teaching the
// picker: photos.read narrowed to picked photos, enforced by resource,
// filter and owner routes.
func TestExampleConfigPicksPhotos(t *testing.T) {
	f, err := Load("../config.example.yaml", testEnv(map[string]string{"PRINTER_SECRET": printerSecret}))
	if err != nil {
		t.Fatal(err)
	}
	want := Resource{Type: "photos", Scopes: []string{"photos.read"}, MaxItems: 200, List: ResourceList{
		Upstream: "photos", Path: "/photos", Items: "photos", ID: "id", Label: "title", Thumbnail: "/photos/{id}/image"}}
	if rs := f.AuthServer.Resources; len(rs) != 1 || rs[0].Type != want.Type || !slices.Equal(rs[0].Scopes, want.Scopes) ||
		rs[0].MaxItems != want.MaxItems || rs[0].List.Upstream != want.List.Upstream || rs[0].List.Path != want.List.Path ||
		rs[0].List.Items != want.List.Items || rs[0].List.ID != want.List.ID || rs[0].List.Label != want.List.Label ||
		rs[0].List.Thumbnail != want.List.Thumbnail {
		t.Errorf("resources = %+v; want %+v", rs, want)
	}
	var resource, filter, owner int
	for _, r := range f.Policy.Routes() {
		if r.Resource != nil && r.Resource.Type == "photos" && r.Resource.Param == "id" {
			resource++
		}
		if r.Filter != nil && r.Filter.Type == "photos" && r.Filter.Items == "photos" && r.Filter.ID == "id" {
			filter++
		}
		if r.Owner != "" {
			owner++
		}
	}
	if resource != 2 || filter != 1 || owner != 1 {
		t.Errorf("routes with resource/filter/owner: %d/%d/%d; want 2/1/1", resource, filter, owner)
	}
}
