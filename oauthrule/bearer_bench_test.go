package oauthrule

import (
	"strings"
	"testing"
)

// A bearer header as the gateway sees on every request: an ES256 JWT of
// the size scopegate issues (about 460 bytes).
var benchBearer = "Bearer " + strings.Repeat("eyJhbGciOiJFUzI1NiJ9.", 21) + "abc-_"

func BenchmarkBearerToken(b *testing.B) {
	for b.Loop() {
		if tok, ok := BearerToken(benchBearer); !ok || tok == "" {
			b.Fatal("refused")
		}
	}
}
