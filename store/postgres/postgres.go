// Package postgres is the [store.Store] backend for several scopegate
// instances sharing one PostgreSQL database behind a load balancer. It
// reaches PostgreSQL through pgx's database/sql driver, which only this
// package imports; queries and schema live in store/internal/sqlstore.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/internal/sqlstore"
)

// DB is a store backed by a PostgreSQL database.
type DB struct {
	*sqlstore.Store
	db  *sql.DB
	dsn string // for the dedicated LISTEN connection (notify.go)
	// closed ends the LISTEN loops when the store is closed.
	closed    chan struct{}
	closeOnce sync.Once
	// listenerPID is the server process of the current LISTEN connection,
	// 0 when none: tests terminate it to prove the fallback.
	listenerPID atomic.Uint32
}

var _ store.Store = (*DB)(nil)

// migrationLock is the pg_advisory_lock key that serialises migrations of
// instances starting at the same time ("scopegat" in ASCII). The lock is
// database-wide, so it also serialises migrations of different schemas,
// which only costs a little waiting.
const migrationLock int64 = 0x73636f7065676174

// Open connects to the database named by dsn (a pgx connection string, URL
// or key=value form; search_path selects the schema) and brings its schema
// up to date, with the default Options.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenWith(ctx, dsn, Options{})
}

// Options bound what one instance may take from the database.
type Options struct {
	// Timeout is each store call's deadline, the wait for a pooled
	// connection and for locks included; 0 means sqlstore.DefaultTimeout.
	Timeout time.Duration
	// MaxConnections caps the pool; 0 means DefaultMaxConnections. Without
	// a cap, a locked table made every waiting request open a connection
	// of its own until PostgreSQL refused more ("too many clients"),
	// failing every instance on the server.
	MaxConnections int
}

// DefaultMaxConnections is the pool cap when Options leaves it 0: far
// below PostgreSQL's default max_connections (100), so that a few
// instances and the LISTEN connections fit.
const DefaultMaxConnections = 20

// OpenWith is Open with explicit Options.
func OpenWith(ctx context.Context, dsn string, opts Options) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: opening database: %w", err)
	}
	maxConns := opts.MaxConnections
	if maxConns <= 0 {
		maxConns = DefaultMaxConnections
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := migrate(ctx, db); err != nil {
		return nil, errors.Join(fmt.Errorf("postgres: opening database: %w", err), db.Close())
	}
	st := sqlstore.New(db, sqlstore.Postgres)
	st.SetTimeout(opts.Timeout)
	return &DB{Store: st, db: db, dsn: dsn, closed: make(chan struct{})}, nil
}

// migrate runs the migrations on one connection that holds the advisory
// lock meanwhile: without it two instances could both find a table missing
// and both try to create it.
func migrate(ctx context.Context, db *sql.DB) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	defer func() {
		// A session lock outlives conn.Close (the connection goes back to
		// the pool), so it is released explicitly, even if ctx has ended.
		_, uerr := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
		if uerr != nil {
			err = errors.Join(err, fmt.Errorf("releasing the migration lock: %w", uerr))
		}
	}()
	return sqlstore.Migrate(ctx, conn, sqlstore.Postgres)
}
