package main

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestHashPasswordRefusesOver72Bytes: bcrypt would ignore the rest, so a
// longer password is refused with a clear error rather than hashed; 72
// bytes are fine.
func TestHashPasswordRefusesOver72Bytes(t *testing.T) {
	var out bytes.Buffer
	err := runHashPassword(strings.NewReader(strings.Repeat("é", 37)+"\n"), &out) // 74 bytes
	if err == nil || !strings.Contains(err.Error(), "72 bytes") || out.Len() != 0 {
		t.Errorf("74-byte password: err %v, output %q; want an error naming the 72-byte limit and no hash", err, out.String())
	}
	out.Reset()
	pw := strings.Repeat("p", 72)
	if err := runHashPassword(strings.NewReader(pw+"\n"), &out); err != nil {
		t.Fatalf("72-byte password: %v", err)
	}
	if bcrypt.CompareHashAndPassword(bytes.TrimSpace(out.Bytes()), []byte(pw)) != nil {
		t.Error("the printed hash does not match the 72-byte password")
	}
}
