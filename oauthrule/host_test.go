package oauthrule

import "testing"

func TestCanonicalHost(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"photos.example.com", "photos.example.com", true},
		{"Photos.Example.COM:8443", "photos.example.com", true},
		{"photos.example.com.", "photos.example.com", true},
		{"photos.example.com.:80", "photos.example.com", true},
		{"127.0.0.1:8080", "127.0.0.1", true},
		{"[::1]:8080", "::1", true},
		{"[::1]", "::1", true},
		{"[0:0::1]", "::1", true},
		{"", "", false},
		{":8080", "", false},
		{"::1", "", false},
		{"[::1", "", false},
		{"[::1]x", "", false},
		{"[fe80::1%25eth0]", "", false},
		{"[127.0.0.1]", "", false},
		{"evil.example,photos.example.com", "", false},
		{"photos.example.com:80x", "", false},
		{"photos%2eexample.com", "", false},
		{"a..b", "", false},
		{"ｐhotos.example.com", "", false}, // full-width letter
	}
	for _, tc := range tests {
		got, ok := CanonicalHost(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("CanonicalHost(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
