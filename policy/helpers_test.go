package policy

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// photoPolicy is the running example, with one route of every shape.
const photoPolicy = `
routes:
  - route: "GET /photos/{id}"
    upstream: photos
    scopes: [photos.read]
  - route: "GET /photos/shared"
    upstream: photos
    public: true
  - route: "POST /photos"
    upstream: photos
    scopes: [photos.read, photos.write]
  - route: "/photos/{id}"
    upstream: photos
    scopes: [photos.write]
  - route: "GET /files/{rest...}"
    upstream: files
    scopes: [files.read]
  - route: "GET /files/{$}"
    upstream: files
    public: true
  - route: "GET admin.example.com/photos/{id}"
    upstream: admin
    scopes: [admin]
  - route: "GET /status"
    upstream: photos
    public: true
  - route: "/api/"
    upstream: photos
    scopes: [photos.read]
`

// mustCompile decodes and compiles a "routes:" document, failing the test
// on any diagnostic.
func mustCompile(tb testing.TB, src string) *Set {
	tb.Helper()
	var doc struct{ Routes yaml.Node }
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		tb.Fatal(err)
	}
	routes, diags := DecodeRoutes("test.yaml", &doc.Routes)
	if len(diags) > 0 {
		tb.Fatalf("DecodeRoutes: %v", diags)
	}
	set, diags := Compile(routes, Env{})
	if len(diags) > 0 {
		tb.Fatalf("Compile: %v", diags)
	}
	return set
}
