package policy_test

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/scopegate/scopegate/policy"
)

// Routes are decoded from the config's YAML, compiled against the
// declared upstreams and scopes, and then decide each request.
func ExampleSet_Decide() {
	const src = `
routes:
  - route: "GET /photos/{id}"
    upstream: photos
    scopes: [photos.read]
  - route: "GET /status"
    upstream: photos
    public: true
`
	var doc struct{ Routes yaml.Node }
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		panic(err)
	}
	routes, diags := policy.DecodeRoutes("gateway.yaml", &doc.Routes)
	if len(diags) > 0 {
		panic(fmt.Sprint(diags))
	}
	set, diags := policy.Compile(routes, policy.Env{Upstreams: []string{"photos"}, Scopes: []string{"photos.read"}})
	if len(diags) > 0 {
		panic(fmt.Sprint(diags))
	}

	show := func(d policy.Decision) { fmt.Println(d.Status, d.Allow, d.Missing) }
	show(set.Decide("GET", "api.example.com", "/status", nil, false))
	show(set.Decide("GET", "api.example.com", "/photos/1", nil, false))
	show(set.Decide("GET", "api.example.com", "/photos/1", []string{"profile"}, true))
	show(set.Decide("GET", "api.example.com", "/photos/1", []string{"photos.read"}, true))
	show(set.Decide("GET", "api.example.com", "/photos/../admin", []string{"photos.read"}, true))
	show(set.Decide("DELETE", "api.example.com", "/photos/1", []string{"photos.read"}, true))
	// Output:
	// 200 true []
	// 401 false []
	// 403 false [photos.read]
	// 200 true []
	// 400 false []
	// 404 false []
}

// A mistake in the routes is reported with its file, line and column.
func ExampleCompile_diagnostics() {
	var doc struct{ Routes yaml.Node }
	_ = yaml.Unmarshal([]byte("routes:\n  - {route: \"GET /a\", upstream: photo, scopes: [photos.read]}\n"), &doc)
	routes, _ := policy.DecodeRoutes("gateway.yaml", &doc.Routes)
	_, diags := policy.Compile(routes, policy.Env{Upstreams: []string{"photos"}, Scopes: []string{"photos.read"}})
	for _, d := range diags {
		fmt.Println(d)
	}
	// Output:
	// gateway.yaml:2:33: unknown upstream "photo" (did you mean "photos"?)
}
