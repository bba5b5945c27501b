package sqlstore

import "testing"

func TestRebind(t *testing.T) {
	tests := []struct {
		name string
		d    Dialect
		in   string
		want string
	}{
		{"sqlite keeps question marks", SQLite, "a = ? AND b = ?", "a = ? AND b = ?"},
		{"postgres numbers them", Postgres, "a = ? AND b = ? OR c = ?", "a = $1 AND b = $2 OR c = $3"},
		{"no placeholders", Postgres, "SELECT 1", "SELECT 1"},
		{"ten and more", Postgres, "??????????x?", "$1$2$3$4$5$6$7$8$9$10x$11"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.rebind(tc.in); got != tc.want {
				t.Errorf("rebind(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}
