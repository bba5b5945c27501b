package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
)

// sessionKeys derives the cookie authentication key (HMAC-SHA-256, 64
// bytes) and encryption key (AES-256, 32 bytes) from the configured
// session secret, with distinct labels so neither key reveals the other.
func sessionKeys(secret string) (hashKey, blockKey []byte) {
	h := hmac.New(sha512.New, []byte(secret))
	h.Write([]byte("scopegate session cookie authentication key"))
	hashKey = h.Sum(nil)
	b := hmac.New(sha256.New, []byte(secret))
	b.Write([]byte("scopegate session cookie encryption key"))
	return hashKey, b.Sum(nil)
}
