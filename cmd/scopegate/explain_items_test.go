package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

const itemsConfig = `authserver:
  users:
    - {username: alice, password_hash: "$2a$04$dUikWLwbEmWY2SKeNxjatOG0INMlO3/h2pedCFJ0h.5ksfazxUZEe"}
  clients:
    - {id: photo-printer, redirect_uris: ["http://127.0.0.1:7/callback"], scopes: [photos.read]}
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
    - route: "GET /photos/{id}"
      upstream: photos
      scopes: [photos.read]
      resource: {type: photos, id: "{id}"}
    - route: "GET /photos"
      upstream: photos
      scopes: [photos.read]
      filter: {type: photos, items: photos, id: id}
    - route: "GET /users/{user}/albums"
      upstream: photos
      scopes: [photos.read]
      owner: "{user}"
`

// TestExplainItems: explain reports the owner and picked-item checks the
// gateway applies, for hypothetical and real tokens.
func TestExplainItems(t *testing.T) {
	path := filepath.Join(t.TempDir(), "items.yaml")
	if err := os.WriteFile(path, []byte(itemsConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	key := tokentest.NewKey(t)
	c := tokentest.ClaimsAt(time.Now(), "http://localhost:8080", "http://localhost:8080", "alice", "photos.read")
	c.ClientID = "photo-printer"
	c.AuthorizationDetails = []token.AuthorizationDetail{{Type: "photos", Actions: []string{"read"}, Identifiers: []string{"1", "3"}}}
	picked := key.Sign(t, c)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"picked item", []string{"--scopes", "photos.read", "--sub", "alice", "--items", "photos:1,3", "GET", "/photos/3"},
			[]string{"item:     a token narrowed to picked photos items must hold the path's {id}", "decision: ALLOW (200)", `holds photos item "3"`}},
		{"unpicked item", []string{"--scopes", "photos.read", "--sub", "alice", "--items", "photos:1,3", "GET", "/photos/2"},
			[]string{"decision: DENY (403 insufficient_scope)", `"2" is not one of them`}},
		{"user token without a pick", []string{"--scopes", "photos.read", "--sub", "alice", "GET", "/photos/2"},
			[]string{"decision: DENY (403 insufficient_scope)"}},
		{"client token", []string{"--scopes", "photos.read", "GET", "/photos/2"}, []string{"decision: ALLOW (200)"}},
		{"filtered list", []string{"--token", picked, "GET", "/photos"},
			[]string{"picked:   photos [1 3]", "filter:   a token narrowed", "decision: ALLOW (200)", "keeps only the 2 picked photos items",
				"filtered: the JSON list answer keeps only the picked photos items [1 3]"}},
		{"real token, unpicked", []string{"--token", picked, "GET", "/photos/2"}, []string{"decision: DENY (403 insufficient_scope)"}},
		{"owner", []string{"--scopes", "photos.read", "--sub", "alice", "GET", "/users/bob/albums"},
			[]string{"owner:    the path's {user} must equal the token's sub", "decision: DENY (403 insufficient_scope)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			args := append([]string{"explain", "--config", path}, tc.args...)
			if err := run(context.Background(), args, nil, &out, &out); err != nil {
				t.Fatalf("explain: %v\n%s", err, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
