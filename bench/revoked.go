package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/sqlite"
)

// Issue 9's gateway target: with a revocation list of -revoked
// entries (half token IDs, half grant IDs) the gateway stays at 0.95x the
// bare proxy or better. The entries are written into the running server's
// SQLite file by this process, as another instance sharing it would, and
// the server loads them by its own poll; the tokens each name a live
// grant, so that every request looks up both its jti and its gid.

// revokedGrantTokens is how many access tokens, each from its own code
// flow and grant, the phase cycles through.
const revokedGrantTokens = 16

// revokedReport fills the server's store with n revocations, waits until
// its gateway refuses a token revoked after them (so the whole list is
// loaded), then runs the bare proxy and the gateway in turns.
func revokedReport(ctx context.Context, client *http.Client, bare *child, sg *scopegate, ep endpoints, one string,
	families []string, n int, duration time.Duration, conns, rounds int) error {
	tokens := make([]string, len(families))
	for i, rt := range families {
		tok, err := refreshToken(client, ep.TokenEndpoint, rt)
		if err != nil {
			return fmt.Errorf("revocation list phase: %w", err)
		}
		if claim(tok.access, "gid") == "" {
			return fmt.Errorf("revocation list phase: access token without a grant ID: refusing a lookup that skips the grant")
		}
		tokens[i] = tok.access
	}
	sentinel, err := clientCredentialsToken(client, ep.TokenEndpoint)
	if err != nil {
		return err
	}
	if !get(client, sg.url+"/photos/42", sentinel) {
		return fmt.Errorf("revocation list phase: the gateway refused a fresh token")
	}
	start := time.Now()
	if err := fillRevocations(ctx, sg.dbPath, n, claim(sentinel, "jti")); err != nil {
		return err
	}
	filled := time.Since(start)
	// The sentinel was revoked last: once the gateway refuses it, the poll
	// that loaded it read every entry before it too.
	deadline := time.Now().Add(30 * time.Second)
	for get(client, sg.url+"/photos/42", sentinel) {
		if time.Now().After(deadline) {
			return fmt.Errorf("revocation list phase: the gateway still accepts a token revoked 30s ago")
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("\nRevocation list: %d entries written to the store in %s; the gateway refused a token revoked after them %s later\n",
		n+1, filled.Round(time.Millisecond), (time.Since(start) - filled).Round(100*time.Millisecond))
	// No settling: each poll reads back a minute before the previous one,
	// for instances with slow clocks (authserver.FollowRevocations), so
	// the phase runs while the server still reloads the whole burst every
	// poll, the harder case.

	drive(ctx, "warm-up", conns, duration/5, func(w, i int) bool { return get(client, sg.url+"/photos/42", tokens[(w+i)%len(tokens)]) })
	phases := []phase{
		{bare.cmd.Process.Pid, func() result {
			return drive(ctx, "bare httputil.ReverseProxy", conns, duration, func(w, i int) bool {
				return get(client, bare.url+"/photos/42", one)
			})
		}},
		{sg.cmd.Process.Pid, func() result {
			return drive(ctx, fmt.Sprintf("scopegate gateway, %d revoked", n+1), conns, duration, func(w, i int) bool {
				return get(client, sg.url+"/photos/42", tokens[(w+i)%len(tokens)])
			})
		}},
	}
	all, err := runRounds(ctx, phases, rounds)
	if err != nil {
		return err
	}
	bareRow := medianRound(all, 0)
	printTable(fmt.Sprintf("Gateway with a revocation list (GET /photos/42, tokens of %d live grants), median of %d rounds",
		len(tokens), len(all)), bareRow, bareRow, medianRound(all, 1))
	each, median := roundRatios(all, 0, 1)
	met := "met"
	if median < 0.95 {
		met = "NOT met"
	}
	fmt.Printf("  gateway/bare in each round: %s (median %.2fx; target at least 0.95x: %s)\n", each, median, met)
	return nil
}

// fillRevocations records n revocations in the SQLite file at path, half
// of token IDs and half of grant IDs, then the token ID last.
func fillRevocations(ctx context.Context, path string, n int, last string) error {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	until := now.Add(time.Hour)
	for i := range n {
		r := store.Revocation{TokenID: fmt.Sprintf("bench-revoked-token-%d", i), RevokedAt: now, ExpiresAt: until}
		if i%2 == 1 {
			r = store.Revocation{GrantID: fmt.Sprintf("bench-revoked-grant-%d", i), RevokedAt: now, ExpiresAt: until}
		}
		if err := db.RevokeToken(ctx, r); err != nil {
			return fmt.Errorf("filling the revocation list: %w", err)
		}
	}
	return db.RevokeToken(ctx, store.Revocation{TokenID: last, RevokedAt: time.Now(), ExpiresAt: until})
}

// claim returns a string claim of a JWT's payload, unverified: the bench
// only needs to name what the server issued.
func claim(jwt, name string) string {
	var claims map[string]any
	jwtPart(jwt, 1, &claims)
	s, _ := claims[name].(string)
	return s
}

// jwtPart decodes part i (0 the header, 1 the payload) of a compact JWS
// into v, leaving v as it is when that part is not base64url JSON.
func jwtPart(jws string, i int, v any) {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		return
	}
	_ = json.Unmarshal(raw, v)
}
