package config

import (
	"testing"
	"time"
)

// TestRefreshTokenTTLs: both lifetimes are read, bounded, and the idle one
// may not exceed the absolute one; problems carry FILE:LINE:COL.
func TestRefreshTokenTTLs(t *testing.T) {
	f := parseOK(t, "authserver:\n  refresh_token_idle_ttl: 2h\n  refresh_token_ttl: 48h\n")
	if f.AuthServer.RefreshTokenIdleTTL != 2*time.Hour || f.AuthServer.RefreshTokenTTL != 48*time.Hour {
		t.Errorf("refresh TTLs = %s, %s; want 2h, 48h", f.AuthServer.RefreshTokenIdleTTL, f.AuthServer.RefreshTokenTTL)
	}
	runProblems(t, []problemCase{
		{name: "bounds", yaml: "authserver:\n  refresh_token_idle_ttl: 1m\n  refresh_token_ttl: 8784h\n"},
		{
			name: "idle too short",
			yaml: "authserver:\n  refresh_token_idle_ttl: 59s\n",
			want: []string{`c.yaml:2:27: refresh_token_idle_ttl must be between 1m and 8784h`},
		},
		{
			name: "absolute too long",
			yaml: "authserver:\n  refresh_token_ttl: 8785h\n",
			want: []string{`c.yaml:2:22: refresh_token_ttl must be between 1m and 8784h`},
		},
		{
			name: "idle longer than absolute",
			yaml: "authserver:\n  refresh_token_idle_ttl: 3h\n  refresh_token_ttl: 2h\n",
			want: []string{`c.yaml:2:27: refresh_token_idle_ttl (3h0m0s) must not exceed refresh_token_ttl (2h0m0s)`},
		},
		{
			name: "absolute below the default idle",
			yaml: "authserver:\n  refresh_token_ttl: 24h\n",
			want: []string{`c.yaml:2:22: refresh_token_idle_ttl (336h0m0s) must not exceed refresh_token_ttl (24h0m0s)`},
		},
		{
			name: "refresh_token grant type",
			yaml: clientsHead + "    - id: p\n      redirect_uris: [\"https://p.example/cb\"]\n      grant_types: [authorization_code, refresh_token]\n",
		},
	})
}
