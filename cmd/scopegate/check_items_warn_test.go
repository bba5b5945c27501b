package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckWarnsOfUnboundItemParams: a picked-item route whose path names
// a parameter that neither the id nor an owner binds lets a token for
// alice's photo "1" reach /users/bob/photos/1 when the backend numbers
// photos per user. check warns at the route's pattern and passes; an
// owner, or a path naming only the id, has no warning.
func TestCheckWarnsOfUnboundItemParams(t *testing.T) {
	const cfg = `authserver:
  issuer: "http://localhost:8080"
  scopes:
    photos.read: See the photos you choose
  resources:
    photos:
      scopes: [photos.read]
      list: {upstream: photos, path: /photos, items: photos, id: id, label: title}
gateway:
  upstreams:
    photos: {url: "http://127.0.0.1:9000"}
  routes:
    - route: %q
      upstream: photos
      scopes: [photos.read]
      %s
`
	tests := []struct {
		name, route, rule string
		want              string // "" for no warning
	}{
		{"resource under a user", "GET /users/{user}/photos/{id}", `resource: {type: photos, id: "{id}"}`,
			`:13:14: warning: route "GET /users/{user}/photos/{id}" checks picked photos items by id alone, yet its path also names {user}: a token holding photos item "1" opens it under any {user}; if ids are unique only within one {user}, add owner: "{user}"`},
		{"filtered list of a user", "GET /users/{user}/photos", `filter: {type: photos, items: photos, id: id}`,
			`:13:14: warning: route "GET /users/{user}/photos" checks picked photos items by id alone, yet its path also names {user}: a token holding photos item "1" gets item "1" of the list of any {user}; if ids are unique only within one {user}, add owner: "{user}"`},
		{"rest of the path", "GET /photos/{id}/{rest...}", `resource: {type: photos, id: "{id}"}`,
			`:13:14: warning: route "GET /photos/{id}/{rest...}" checks picked photos items by id alone, yet its path also names {rest}`},
		{"owner bound", "GET /users/{user}/photos/{id}", "resource: {type: photos, id: \"{id}\"}\n      owner: \"{user}\"", ""},
		{"id only", "GET /photos/{id}", `resource: {type: photos, id: "{id}"}`, ""},
		{"list only", "GET /photos/{$}", `filter: {type: photos, items: photos, id: id}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			body := strings.Replace(strings.Replace(cfg, "%q", `"`+tc.route+`"`, 1), "%s", tc.rule, 1)
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			if err := run(context.Background(), []string{"check", "--config", path}, nil, &out, &errOut); err != nil {
				t.Fatalf("check: %v\n%s", err, errOut.String())
			}
			got := strings.TrimSpace(errOut.String())
			if tc.want == "" {
				if got != "" {
					t.Errorf("check stderr = %q; want no warning", got)
				}
				return
			}
			if !strings.HasPrefix(got, path+tc.want) || strings.Count(got, "warning:") != 1 {
				t.Errorf("check stderr:\n got: %s\nwant: %s%s", got, path, tc.want)
			}
		})
	}
}
