package config

import (
	"testing"
	"time"
)

// TestStoreLimits (issue 12, finding 4): store.timeout and
// store.max_connections are read and checked at their positions.
func TestStoreLimits(t *testing.T) {
	runProblems(t, []problemCase{
		{name: "postgres limits", yaml: "store:\n  driver: postgres\n  dsn: postgres://db/sg\n  timeout: 2s\n  max_connections: 10\n"},
		{
			name: "bad values",
			yaml: "store:\n  driver: postgres\n  dsn: postgres://db/sg\n  timeout: 2m\n  max_connections: 0\n",
			want: []string{
				`c.yaml:4:12: duration must be above 0 and at most 1m0s`,
				`c.yaml:5:20: expected a whole number from 1 to 10000, got "0"`,
			},
		},
		{
			name: "pool cap on sqlite",
			yaml: "store:\n  max_connections: 5\n",
			want: []string{`c.yaml:2:20: store max_connections applies to postgres only (SQLite needs no pool limit)`},
		},
	})
	f := parseOK(t, "store:\n  driver: postgres\n  dsn: postgres://db/sg\n  timeout: 750ms\n  max_connections: 7\n")
	if f.Store.Timeout != 750*time.Millisecond || f.Store.MaxConnections != 7 {
		t.Errorf("Store = %+v; want timeout 750ms and 7 connections", f.Store)
	}
}
