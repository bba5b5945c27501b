package authserver

import (
	"bytes"
	"testing"
)

// TestSessionKeys: one secret gives the same keys on every instance, of
// sizes securecookie accepts; another secret gives other keys, and the two
// keys of one secret differ.
func TestSessionKeys(t *testing.T) {
	const secret = "a-session-secret-that-is-long-enough-0123456789"
	h1, b1 := SessionKeys(secret)
	h2, b2 := SessionKeys(secret)
	if !bytes.Equal(h1, h2) || !bytes.Equal(b1, b2) {
		t.Fatal("the same secret gave different keys")
	}
	if len(h1) != 64 || len(b1) != 32 {
		t.Errorf("key sizes %d and %d, want 64 (HMAC) and 32 (AES-256)", len(h1), len(b1))
	}
	if bytes.Equal(h1[:32], b1) {
		t.Error("the encryption key equals part of the authentication key")
	}
	h3, b3 := SessionKeys(secret + "x")
	if bytes.Equal(h1, h3) || bytes.Equal(b1, b3) {
		t.Error("different secrets gave the same key")
	}
}
