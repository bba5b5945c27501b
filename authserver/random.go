package authserver

import (
	"crypto/rand"
	"encoding/base64"
)

// randomToken returns n random bytes, base64url without padding. 32 bytes
// gives the 256 bits used for codes and token IDs (OAuth 2.1 §7.7 asks
// for at least 128).
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
