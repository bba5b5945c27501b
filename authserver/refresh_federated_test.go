package authserver

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/store"
)

// TestRefreshFederatedUser: a user who signed in through an upstream
// provider refreshes like any other; once the server no longer has the
// user's profile, the next refresh is refused and the grant revoked, so
// the access tokens already issued stop working too.
func TestRefreshFederatedUser(t *testing.T) {
	f := newFederation(t, func(c *Config) {
		for i := range c.Clients {
			if c.Clients[i].ID == printerID {
				c.Clients[i].GrantTypes = []string{oauthrule.GrantAuthorizationCode, oauthrule.GrantRefreshToken}
			}
		}
	})
	ctx := context.Background()
	const sub = upstreamID + ":alice"
	b := newBrowser(t, f.b)
	login := b.follow(b.get(f.b.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}})))
	res := f.b.redeem(t, redirectParams(t, f.drive(t, b, login, atPrinter)).Get("code"))
	rt := str(res.json, "refresh_token")
	if res.status != http.StatusOK || rt == "" {
		t.Fatalf("code exchange: %d %v; want tokens with a refresh token", res.status, res.json)
	}
	res = f.b.refresh(t, rt, nil, printerAuth)
	if res.status != http.StatusOK {
		t.Fatalf("refresh of the federated user: %d %v; want 200", res.status, res.json)
	}
	access, rt := str(res.json, "access_token"), str(res.json, "refresh_token")
	v := f.b.verifier(t)
	if c, err := v.Verify(ctx, access); err != nil || c.Subject != sub {
		t.Fatalf("refreshed access token: %+v, %v; want one for %s", c, err, sub)
	}

	// The profile is gone, as if removed from the database by hand.
	db, err := sql.Open("sqlite", f.b.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if r, err := db.ExecContext(ctx, `DELETE FROM federated_users WHERE subject = ?`, sub); err != nil {
		t.Fatal(err)
	} else if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("deleted %d profiles; want the one of %s", n, sub)
	}
	res = f.b.refresh(t, rt, nil, printerAuth)
	if res.status != http.StatusBadRequest || str(res.json, "error") != "invalid_grant" {
		t.Fatalf("refresh after the profile is gone: %d %v; want 400 invalid_grant", res.status, res.json)
	}
	if _, err := v.Verify(ctx, access); err == nil {
		t.Error("the grant's access token still verifies after its user became unknown")
	}
	if g, err := f.b.store.LiveGrant(ctx, sub, printerID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LiveGrant after the user became unknown = %+v, %v; want ErrNotFound", g, err)
	}
}
