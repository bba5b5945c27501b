package oauthrule_test

import (
	"strings"
	"testing"

	"github.com/scopegate/scopegate/oauthrule"
)

// TestValidB64TokenEveryByte puts every byte value at every position of a
// token long enough for both the eight-byte steps and the tail, with and
// without padding after it, and compares with RFC 6750 §2.1's grammar
// read literally.
func TestValidB64TokenEveryByte(t *testing.T) {
	const allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"
	base := []byte(strings.Repeat("aZ9-._~+/", 3)[:21])
	for _, pad := range []string{"", "=="} {
		for pos := range base {
			for c := range 256 {
				tok := append([]byte(nil), base...)
				tok[pos] = byte(c)
				want := strings.IndexByte(allowed, byte(c)) >= 0 || c == '=' && pos == len(base)-1
				if got := oauthrule.ValidB64Token(string(tok) + pad); got != want {
					t.Fatalf("ValidB64Token(%q) = %v; want %v", string(tok)+pad, got, want)
				}
			}
		}
	}
}
