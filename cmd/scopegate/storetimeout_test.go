package main

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestLockedStoreAnswers503 (issue 12, finding 4): with auth_codes locked
// in another PostgreSQL session (LOCK TABLE ... IN ACCESS EXCLUSIVE MODE),
// a code exchange at /oauth2/token is answered 503 temporarily_unavailable
// with Retry-After at the configured store.timeout, not after a hang; the
// code was not used, so the same exchange succeeds once the lock is gone.
func TestLockedStoreAnswers503(t *testing.T) {
	dsn := postgresDSN(t)
	c := startCluster(t, 1, storeSection(dsn)+"  timeout: 300ms\n  max_connections: 4\n")
	code, verifier := c.code(t, 0)

	locker, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	ctx := context.Background()
	tx, err := locker.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE auth_codes IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	// Without deadlines the exchange would wait for the lock forever.
	stop := time.AfterFunc(10*time.Second, func() { tx.Rollback() })
	defer stop.Stop()

	exchange := func() *http.Response {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.callback}, "code_verifier": {verifier}}
		req, err := http.NewRequest("POST", c.instances[0]+"/oauth2/token", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = strings.TrimPrefix(c.issuer, "http://")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("photo-printer", testSecret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	start := time.Now()
	res := exchange()
	took := time.Since(start)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("token exchange on a locked table: status %d, Retry-After %q; want 503 with Retry-After",
			res.StatusCode, res.Header.Get("Retry-After"))
	}
	if took > 2*time.Second {
		t.Errorf("token exchange on a locked table took %v; want about the 300ms store timeout", took)
	}
	t.Logf("503 after %v", took)

	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		t.Fatal(err)
	}
	if res := exchange(); res.StatusCode != http.StatusOK {
		t.Errorf("token exchange after the lock ended: status %d; want 200", res.StatusCode)
	}
}
