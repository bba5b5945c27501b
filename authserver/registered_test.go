package authserver

import (
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/scopegate/scopegate/token"
)

// TestRegistered: the holders of real tokens are registered until a
// reloaded config drops them. Alice's token names a removed user, the
// client-credentials token a removed client; bob's token, whose user and
// client stay, still passes. Introspection agrees.
func TestRegistered(t *testing.T) {
	env := newTestServer(t, nil)
	v := env.verifier(t)
	claimsOf := func(raw string) *token.Claims {
		t.Helper()
		c, err := v.Verify(t.Context(), raw)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return c
	}
	alicesRaw := str(env.redeem(t, codeFor(t, env, newBrowser(t, env))).json, "access_token")
	alices := claimsOf(alicesRaw)
	bobsCode := redirectParams(t, newBrowser(t, env).authorize(loginURL(env), "bob", "bob's password")).Get("code")
	bobsRaw := str(env.redeem(t, bobsCode).json, "access_token")
	bobs := claimsOf(bobsRaw)
	cc := env.callToken(t, tokenCall{form: url.Values{"grant_type": {"client_credentials"}}, basic: []string{"hashed-job", hashedSecret}})
	jobs := claimsOf(str(cc.json, "access_token"))
	if jobs.Subject != "hashed-job" || bobs.Subject != "bob" || alices.Subject != "alice" {
		t.Fatalf("subjects %q %q %q", alices.Subject, bobs.Subject, jobs.Subject)
	}
	for _, c := range []*token.Claims{alices, bobs, jobs} {
		if err := env.srv.Registered(c); err != nil {
			t.Fatalf("Registered(%s) before the reload: %v", c.Subject, err)
		}
	}

	cfg := env.cfg
	cfg.Users = slices.DeleteFunc(slices.Clone(cfg.Users), func(u User) bool { return u.Username == "alice" })
	cfg.Clients = slices.DeleteFunc(slices.Clone(cfg.Clients), func(c Client) bool { return c.ID == "hashed-job" })
	next, err := env.srv.Reconfigure(cfg)
	if err != nil {
		t.Fatalf("Reconfigure: %v", err)
	}
	for _, tc := range []struct {
		c    *token.Claims
		want error
	}{{alices, errUserGone}, {jobs, errClientGone}, {bobs, nil}} {
		if err := next.Registered(tc.c); !errors.Is(err, tc.want) {
			t.Errorf("Registered(%s) after the reload = %v; want %v", tc.c.Subject, err, tc.want)
		}
	}
	env.use(next)
	re := &refreshEnv{testEnv: env}
	for _, tc := range []struct {
		raw    string
		active bool
	}{{alicesRaw, false}, {bobsRaw, true}} {
		if status, out := re.introspect(t, tc.raw, []string{printerID, printerSecret}); status != 200 || out["active"] != tc.active {
			t.Errorf("introspection after the reload: %d %v; want active %v", status, out, tc.active)
		}
	}
}
