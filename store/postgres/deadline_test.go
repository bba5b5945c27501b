package postgres

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// TestLockedTableFailsFast (issue 12, finding 4): with auth_codes locked
// by another session (LOCK TABLE ... IN ACCESS EXCLUSIVE MODE), store
// calls fail with store.ErrUnavailable at their deadline instead of
// hanging, many callers at once never take more than the pool's cap of
// connections, and once the lock goes the same call succeeds.
func TestLockedTableFailsFast(t *testing.T) {
	base := testDSN(t)
	dsn := withSearchPath(t, base, freshSchema(t, base))
	const timeout = 300 * time.Millisecond
	db, err := OpenWith(context.Background(), dsn, Options{Timeout: timeout, MaxConnections: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	now := time.Now()
	code := store.AuthCode{ID: "c1", ClientID: "c", Subject: "alice", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := db.CreateAuthCode(ctx, code); err != nil {
		t.Fatal(err)
	}

	locker, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	tx, err := locker.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE auth_codes IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	// Without deadlines the callers would wait for the lock forever; end
	// it eventually so that such a failure is reported, not a hang.
	stop := time.AfterFunc(5*time.Second, func() { tx.Rollback() })
	defer stop.Stop()

	const callers = 12
	var wg sync.WaitGroup
	errs := make([]error, callers)
	took := make([]time.Duration, callers)
	for i := range callers {
		wg.Go(func() {
			start := time.Now()
			_, errs[i] = db.RedeemAuthCode(ctx, code.ID, time.Now())
			took[i] = time.Since(start)
		})
	}
	// Sample the pool while they wait.
	time.Sleep(timeout / 2)
	if open := db.db.Stats().OpenConnections; open > 3 {
		t.Errorf("%d open connections while callers wait; want at most the cap of 3", open)
	}
	wg.Wait()
	for i := range callers {
		if !errors.Is(errs[i], store.ErrUnavailable) {
			t.Errorf("caller %d: RedeemAuthCode on a locked table = %v; want ErrUnavailable", i, errs[i])
		}
		if took[i] > timeout+time.Second {
			t.Errorf("caller %d took %v; want about the %v deadline", i, took[i], timeout)
		}
	}
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		t.Fatal(err)
	}
	if _, err := db.RedeemAuthCode(ctx, code.ID, time.Now()); err != nil {
		t.Errorf("RedeemAuthCode after the lock ended = %v; want the code (nothing was decided before)", err)
	}
}
