package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckWarnsOfCaseShadowedRoutes (issue 12, finding 6): a public
// catch-all next to a protected prefix on one upstream takes /ADMIN/x;
// check warns at the protected route, with its position, and passes.
// Marking the upstream case_insensitive makes the gateway match as the
// backend does, and the warning goes away.
func TestCheckWarnsOfCaseShadowedRoutes(t *testing.T) {
	const cfg = `authserver:
  issuer: "http://localhost:8080"
  scopes:
    admin: Administer
gateway:
  upstreams:
    legacy:
      url: "http://127.0.0.1:9000"%s
  routes:
    - route: "/admin/"
      upstream: legacy
      scopes: [admin]
    - route: "/"
      upstream: legacy
      public: true
`
	tests := []struct {
		name, extra string
		warn        bool
	}{
		{name: "case-sensitive upstream", warn: true},
		{name: "case_insensitive: true", extra: "\n      case_insensitive: true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(strings.Replace(cfg, "%s", tc.extra, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			if err := run(context.Background(), []string{"check", "--config", path}, nil, &out, &errOut); err != nil {
				t.Fatalf("check: %v\n%s", err, errOut.String())
			}
			want := path + `:10:14: warning: public route "/" at ` + path + `:13:7 takes GET /ADMIN/, which differs from protected route "/admin/" only in case; if upstream "legacy" ignores case in paths, set case_insensitive: true on it`
			got := strings.TrimSpace(errOut.String())
			if tc.warn && got != want {
				t.Errorf("check stderr:\n got: %s\nwant: %s", got, want)
			}
			if !tc.warn && got != "" {
				t.Errorf("check stderr = %q; want no warning", got)
			}
		})
	}
}
