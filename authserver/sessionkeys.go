package authserver

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
)

// SessionKeys derives Config.CookieHashKey (HMAC-SHA-512 output, 64 bytes)
// and Config.CookieBlockKey (an AES-256 key, 32 bytes) from a session
// secret shared by every instance, with distinct labels so that neither
// key reveals the other.
func SessionKeys(secret string) (hashKey, blockKey []byte) {
	h := hmac.New(sha512.New, []byte(secret))
	h.Write([]byte("scopegate session cookie authentication key"))
	hashKey = h.Sum(nil)
	b := hmac.New(sha256.New, []byte(secret))
	b.Write([]byte("scopegate session cookie encryption key"))
	return hashKey, b.Sum(nil)
}
