package policy

import "testing"

func TestSuggest(t *testing.T) {
	known := []string{"access_token_ttl", "audience", "scopes", "issuer"}
	tests := []struct{ word, want string }{
		{"accessTokenTTL", "access_token_ttl"}, // case and separators only
		{"access-token-ttl", "access_token_ttl"},
		{"scope", "scopes"}, // one edit
		{"isuer", "issuer"},
		{"audiences", "audience"},
		{"listen", ""}, // nothing close
		{"", ""},
	}
	for _, tc := range tests {
		if got := Suggest(tc.word, known); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
