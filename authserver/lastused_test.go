package authserver

import (
	"html"
	"strings"
	"testing"
	"time"
)

func TestLastUsedText(t *testing.T) {
	now := time.Date(2026, 3, 12, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		ago  time.Duration
		want string
	}{
		{-1, "Not used yet"},
		{30 * time.Second, "Last used just now"},
		{2 * time.Minute, "Last used 2 minutes ago"},
		{59 * time.Minute, "Last used 59 minutes ago"},
		{time.Hour, "Last used 1 hour ago"},
		{23 * time.Hour, "Last used 23 hours ago"},
		{24 * time.Hour, "Last used 1 day ago"},
		{6 * 24 * time.Hour, "Last used 6 days ago"},
		{8 * 24 * time.Hour, "Last used on 4 March 2026"},
	} {
		var at time.Time
		if tc.ago >= 0 {
			at = now.Add(-tc.ago)
		}
		if got := lastUsedText(at, now); got != tc.want {
			t.Errorf("lastUsedText(now-%s) = %q; want %q", tc.ago, got, tc.want)
		}
	}
}

// TestAccountShowsLastUse: the account page says when each app last got
// tokens from its grant, and moves on with the clock; a refresh counts as
// a use.
func TestAccountShowsLastUse(t *testing.T) {
	e := newRefreshEnv(t, nil)
	b := newBrowser(t, e.testEnv)
	rt := str(e.tokens(t, b, "photos.read").json, "refresh_token")
	lastUsed := func() string {
		t.Helper()
		body := html.UnescapeString(b.get("/oauth2/account").body)
		i := strings.Index(body, `class="meta last-used">`)
		if i < 0 {
			t.Fatalf("account page has no last-used line:\n%s", body)
		}
		rest := body[i+len(`class="meta last-used">`):]
		return rest[:strings.Index(rest, "<")]
	}
	if got := lastUsed(); got != "Last used just now" {
		t.Errorf("right after the code exchange: %q; want Last used just now", got)
	}
	e.skew.Add(int64(3 * time.Hour))
	if got := lastUsed(); got != "Last used 3 hours ago" {
		t.Errorf("three hours later: %q; want Last used 3 hours ago", got)
	}
	if r := e.refresh(t, rt, nil, printerAuth); r.status != 200 {
		t.Fatalf("refresh: %d %v", r.status, r.json)
	}
	if got := lastUsed(); got != "Last used just now" {
		t.Errorf("after a refresh: %q; want Last used just now", got)
	}
}

// TestAccountRemovalAudited: removing an app on the account page writes
// grant.revoked (with the grant ID and the reason) besides
// consent.revoked, with who and from where, and never a token.
func TestAccountRemovalAudited(t *testing.T) {
	e := newRefreshEnv(t, nil)
	b := newBrowser(t, e.testEnv)
	res := e.tokens(t, b, "photos.read")
	if p := b.submit(b.get("/oauth2/account"), "/oauth2/account/revoke", nil); p.status != 303 {
		t.Fatalf("revoke: status %d", p.status)
	}
	var found bool
	for _, en := range e.audit.All() {
		f := en.ContextMap()
		if en.Message == EventGrantRevoked {
			found = true
			if f["subject"] != "alice" || f["client_id"] != printerID || f["grant_id"] == "" ||
				f["reason"] != "removed on the account page" || f["request_id"] == "" || f["remote_addr"] == "" {
				t.Errorf("grant.revoked fields: %v", f)
			}
		}
	}
	if !found {
		t.Error("no grant.revoked audit event after removing the app")
	}
	for _, f := range fieldValues(e.audit.All()) {
		for _, tok := range []string{str(res.json, "access_token"), str(res.json, "refresh_token")} {
			if strings.Contains(f, tok) {
				t.Errorf("audit field %q contains a token", f)
			}
		}
	}
}
