package authserver

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestRefreshAfterPasswordChange: once alice's password hash changes in
// the config, her refresh tokens get invalid_grant (RFC 9700 §4.14.2),
// while bob's keep working; signing in with the new password gives
// tokens that refresh again. A token stored before tokens carried a
// credential takes the current one at its next refresh, and is bound from
// then on.
func TestRefreshAfterPasswordChange(t *testing.T) {
	e := newRefreshEnv(t, nil)
	ctx := context.Background()
	authURL := e.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}})
	tokensOf := func(user, password string) string {
		t.Helper()
		b := newBrowser(t, e.testEnv)
		res := e.redeem(t, redirectParams(t, b.authorize(authURL, user, password)).Get("code"))
		if res.status != http.StatusOK || str(res.json, "refresh_token") == "" {
			t.Fatalf("code exchange for %s: %d %v; want a refresh token", user, res.status, res.json)
		}
		return str(res.json, "refresh_token")
	}
	refresh := func(who, rt string, wantStatus int) string {
		t.Helper()
		res := e.refresh(t, rt, nil, printerAuth)
		if res.status != wantStatus {
			t.Fatalf("refresh of %s: %d %v; want %d", who, res.status, res.json, wantStatus)
		}
		if wantStatus != http.StatusOK {
			if got := str(res.json, "error"); got != "invalid_grant" {
				t.Fatalf("refresh of %s: error %q; want invalid_grant", who, got)
			}
		}
		return str(res.json, "refresh_token")
	}

	alice := refresh("alice's first token", tokensOf("alice", alicePassword), http.StatusOK)
	unused := tokensOf("alice", alicePassword) // bound by its code, not by a refresh
	bob := tokensOf("bob", "bob's password")

	// A token from before the upgrade: no credential in its row.
	legacy := tokensOf("alice", alicePassword)
	db, err := sql.Open("sqlite", e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if r, err := db.ExecContext(ctx, `UPDATE refresh_tokens SET credential = NULL WHERE id = ?`, refreshTokenID(legacy)); err != nil {
		t.Fatal(err)
	} else if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("cleared the credential of %d tokens; want 1", n)
	}
	legacy = refresh("a token stored without a credential", legacy, http.StatusOK)

	cfg := e.cfg
	newHash, _ := bcrypt.GenerateFromPassword([]byte("alice's new password"), bcrypt.MinCost)
	cfg.Users = slices.Clone(cfg.Users)
	cfg.Users[0].PasswordHash = string(newHash)
	next, err := e.srv.Reconfigure(cfg)
	if err != nil {
		t.Fatalf("Reconfigure: %v", err)
	}
	e.use(next)

	refresh("alice's token after her password changed", alice, http.StatusBadRequest)
	refresh("alice's unused token after her password changed", unused, http.StatusBadRequest)
	refresh("alice's once-legacy token after her password changed", legacy, http.StatusBadRequest)
	refresh("bob's token after alice's password changed", bob, http.StatusOK)
	refresh("alice's token signed in with the new password", tokensOf("alice", "alice's new password"), http.StatusOK)
}
