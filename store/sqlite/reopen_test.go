package sqlite

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// TestDataSurvivesReopen writes every kind of record, closes the file, opens
// it again (running the migrations a second time) and reads them back.
func TestDataSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scopegate.db")
	now := time.Now()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	key := store.SigningKey{ID: "k1", Algorithm: "ES256", PrivateKey: []byte{1, 2, 3}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateSigningKey(ctx, key); err != nil {
		t.Fatalf("CreateSigningKey: %v", err)
	}
	if _, err := db.Secret(ctx, "cookie", func() ([]byte, error) { return []byte("s3cret"), nil }); err != nil {
		t.Fatalf("Secret: %v", err)
	}
	consent := store.Grant{ID: "g1", Subject: "alice", ClientID: "photo-printer", Scopes: []string{"photos.read"}, CreatedAt: now, UpdatedAt: now}
	if err := db.SaveGrant(ctx, consent, nil); err != nil {
		t.Fatalf("SaveGrant: %v", err)
	}
	code := store.AuthCode{ID: "c1", ClientID: "photo-printer", Subject: "alice", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateAuthCode(ctx, code); err != nil {
		t.Fatalf("CreateAuthCode: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db = openTemp(t, path)
	keys, err := db.SigningKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].ID != key.ID || !bytes.Equal(keys[0].PrivateKey, key.PrivateKey) {
		t.Errorf("SigningKeys after reopen = %+v, %v; want [%+v]", keys, err, key)
	}
	secret, err := db.Secret(ctx, "cookie", func() ([]byte, error) { return nil, errors.New("secret was lost") })
	if err != nil || string(secret) != "s3cret" {
		t.Errorf("Secret after reopen = %q, %v; want \"s3cret\"", secret, err)
	}
	gotConsent, err := db.LiveGrant(ctx, "alice", "photo-printer")
	if err != nil || !gotConsent.UpdatedAt.Equal(now.Truncate(time.Microsecond)) {
		t.Errorf("LiveGrant after reopen = %+v, %v; want %+v", gotConsent, err, consent)
	}
	gotCode, err := db.RedeemAuthCode(ctx, "c1", now.Add(time.Minute))
	if err != nil || gotCode.Subject != "alice" {
		t.Errorf("RedeemAuthCode after reopen = %+v, %v; want the stored code", gotCode, err)
	}
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, path := range []string{"", "scopegate.db?_txlock=deferred"} {
		if db, err := Open(context.Background(), path); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded; want an error", path)
		}
	}
}
