// Package sqlite is the embedded, default [store.Store] backend: one SQLite
// file through the pure-Go modernc.org/sqlite driver, which only this
// package imports. The queries and schema live in store/internal/sqlstore;
// this package owns opening the file and configuring each connection.
//
// One file serves one scopegate instance (or several processes on the same
// host); instances behind a load balancer use store/postgres instead.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/internal/sqlstore"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DB is a store backed by one SQLite file.
type DB struct {
	*sqlstore.Store
	path string
	file os.FileInfo   // the database file as opened; nil for ":memory:"
	ckpt *checkpointer // nil for ":memory:"
}

var _ store.Store = (*DB)(nil)

// connParams configure every pooled connection, not just the first one,
// because the driver applies DSN parameters on each connect:
//   - busy_timeout: a writer waits up to 10s for another's lock instead of
//     failing with SQLITE_BUSY;
//   - WAL: readers never block the writer, nor the writer readers;
//   - _txlock=immediate: transactions take the write lock at BEGIN, so a
//     transaction never has to upgrade a read lock, the case that SQLite
//     answers with SQLITE_BUSY at once, without waiting for busy_timeout;
//   - synchronous NORMAL is durable across crashes of the process in WAL
//     mode, and foreign keys are on for any future schema;
//   - wal_autocheckpoint 10000 pages (40 MB) instead of 1000: checkpoints
//     are the background checkpointer's job (checkpoint.go), and this is
//     only its backstop.
const connParams = "_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=1&_txlock=immediate" +
	"&_pragma=wal_autocheckpoint(10000)"

// idleConns is how many connections stay open between calls: more than
// the requests a small server runs at once.
const idleConns = 32

// Open opens (creating if needed) the SQLite database file at path and
// brings its schema up to date. The path ":memory:" gives a private
// in-memory database held by a single connection, for tests.
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenWith(ctx, path, 0)
}

// OpenWith is Open with a per-call deadline for the store's methods, the
// wait for another writer's lock included; 0 means
// sqlstore.DefaultTimeout.
func OpenWith(ctx context.Context, path string, timeout time.Duration) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if strings.ContainsRune(path, '?') {
		// The driver reads everything after '?' as parameters.
		return nil, fmt.Errorf("sqlite: database path %q must not contain '?'", path)
	}
	db, err := sql.Open("sqlite", path+"?"+connParams)
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	if path == ":memory:" {
		// Each connection would get its own empty database.
		db.SetMaxOpenConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	} else {
		// database/sql keeps 2 idle connections by default: under
		// concurrent requests most calls then opened a connection (the
		// file, the parameters above, prepared statements) only to close
		// it again. Idle ones are closed after a quiet while instead.
		db.SetMaxIdleConns(idleConns)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := migrate(ctx, db); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: opening %s: %w", path, err), db.Close())
	}
	st := sqlstore.New(db, sqlstore.SQLite)
	st.SetTimeout(timeout)
	d := &DB{Store: st, path: path}
	if path != ":memory:" {
		if d.file, err = os.Stat(path); err != nil {
			return nil, errors.Join(fmt.Errorf("sqlite: opening %s: %w", path, err), db.Close())
		}
		d.ckpt = startCheckpointer(db, checkpointEvery)
	}
	return d, nil
}

// Close stops the background checkpointer and closes the database.
func (d *DB) Close() error {
	if d.ckpt != nil {
		d.ckpt.close()
	}
	return d.Store.Close()
}

// Heartbeat first checks that the file opened is still the one at the
// path: SQLite keeps reading and writing a deleted or replaced file
// through its open descriptors, so every write would succeed and be lost
// at the next start.
func (d *DB) Heartbeat(ctx context.Context, instance string, at time.Time) error {
	if d.file != nil {
		now, err := os.Stat(d.path)
		if err != nil {
			return fmt.Errorf("sqlite: database file: %w", err)
		}
		if !os.SameFile(d.file, now) {
			return fmt.Errorf("sqlite: database file %s was replaced", d.path)
		}
	}
	return d.Store.Heartbeat(ctx, instance, at)
}

func migrate(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return sqlstore.Migrate(ctx, conn, sqlstore.SQLite)
}
