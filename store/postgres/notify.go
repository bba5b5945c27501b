package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scopegate/scopegate/store"
)

// revocationChannel is the PostgreSQL notification channel that tells
// every instance sharing the database that a revocation was recorded. It
// carries no payload: listeners read what changed with Revocations, so a
// lost or spurious notification costs at most a read. Stores in other
// schemas of the same database share the channel, which only adds
// spurious wake-ups.
const revocationChannel = "scopegate_revocations"

// listenerAppName names the LISTEN connection in pg_stat_activity.
const listenerAppName = "scopegate revocation listener"

var _ store.RevocationWatcher = (*DB)(nil)

// RevokeToken records r and then notifies every listening instance
// (PostgreSQL NOTIFY). A failed notification is not an error: the
// revocation is recorded, and instances that miss it learn it at their
// next poll.
func (db *DB) RevokeToken(ctx context.Context, r store.Revocation) error {
	if err := db.Store.RevokeToken(ctx, r); err != nil {
		return err
	}
	_, _ = db.db.ExecContext(ctx, `SELECT pg_notify($1, '')`, revocationChannel)
	return nil
}

// Close stops the LISTEN loops and closes the database.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { close(db.closed) })
	return db.Store.Close()
}

// WatchRevocations calls changed when any instance sharing the database
// records a revocation (LISTEN on revocationChannel, on a dedicated
// connection), when this process does, and after each reconnection of
// the listener. A lost connection is retried with a growing pause (0.1 s
// to 5 s); meanwhile the callers' poll is what keeps them current.
func (db *DB) WatchRevocations(ctx context.Context, changed func()) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-db.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	wake := make(chan struct{}, 1)
	poke := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	go db.Store.WatchRevocations(ctx, poke)
	go db.listen(ctx, poke)
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
			changed()
		}
	}
}

// listen keeps a LISTEN connection open until ctx is done, calling poke
// for every notification and after every (re)connection.
func (db *DB) listen(ctx context.Context, poke func()) {
	const minPause, maxPause = 100 * time.Millisecond, 5 * time.Second
	pause := minPause
	for ctx.Err() == nil {
		connected, _ := db.listenOnce(ctx, poke)
		db.listenerPID.Store(0)
		if connected {
			pause = minPause
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(2*pause, maxPause)
	}
}

// listenOnce connects, listens and relays notifications until the
// connection fails or ctx is done; connected reports whether it got as
// far as listening.
func (db *DB) listenOnce(ctx context.Context, poke func()) (connected bool, err error) {
	cfg, err := pgx.ParseConfig(db.dsn)
	if err != nil {
		return false, fmt.Errorf("postgres: parsing the DSN for LISTEN: %w", err)
	}
	cfg.RuntimeParams["application_name"] = listenerAppName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{revocationChannel}.Sanitize()); err != nil {
		return false, err
	}
	db.listenerPID.Store(conn.PgConn().PID())
	// Whatever was revoked while no connection listened.
	poke()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true, err
		}
		poke()
	}
}
