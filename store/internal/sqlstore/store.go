package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/scopegate/scopegate/store"
)

// Store implements [store.Store] over a *sql.DB whose schema [Migrate]
// has brought up to date. Backends embed it.
type Store struct {
	db *sql.DB
	d  Dialect
	// revoked wakes this process's WatchRevocations callers.
	revoked broadcast
	// timeout bounds every call (see bound); DefaultTimeout unless set.
	timeout time.Duration
	// writeSem (capacity 1) queues this process's writers on hot paths
	// when the dialect has OneWriter (see lockWrites).
	writeSem chan struct{}
	// stmts holds the statements prepared by query text (see prepare).
	stmts sync.Map
	// rotations queues refresh token rotations for one transaction when
	// the dialect has OneWriter (see rotate.go).
	rotations rotations
}

// lockWrites makes a hot write path wait for the previous one of this
// process when the database admits one writer at a time. SQLite's busy
// handler sleeps (up to 100 ms per try) while another connection writes,
// so under concurrent refreshes most time went to sleeping, not writing;
// a semaphore hands the lock on at once. Other processes sharing the file
// still meet the busy handler, as before. The wait honours ctx, so it is
// part of the call's deadline: queued writers behind one stuck on a
// locked file fail at their own deadline instead of one after another.
// It returns the unlock.
func (s *Store) lockWrites(ctx context.Context) (func(), error) {
	if !s.d.OneWriter {
		return func() {}, nil
	}
	select {
	case s.writeSem <- struct{}{}:
		return func() { <-s.writeSem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// DefaultTimeout is how long one store call may take, waiting for a
// pooled connection and for locks included, before it fails with
// store.ErrUnavailable. A request should fail fast with 503 rather than
// hang on a locked table or a frozen database.
const DefaultTimeout = 5 * time.Second

var _ store.Store = (*Store)(nil)

// New wraps db. The Store owns db from now on: Close closes it.
func New(db *sql.DB, d Dialect) *Store {
	return &Store{db: db, d: d, timeout: DefaultTimeout, writeSem: make(chan struct{}, 1)}
}

// SetTimeout sets the per-call deadline (d > 0). Call it before the Store
// is shared.
func (s *Store) SetTimeout(d time.Duration) {
	if d > 0 {
		s.timeout = d
	}
}

// bound gives one call its deadline. The context's own deadline still
// applies when it is sooner.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// Close closes the database.
func (s *Store) Close() error {
	s.closeStatements()
	if err := s.db.Close(); err != nil {
		return s.errorf("closing database", err)
	}
	return nil
}

// errorf prefixes an error with the backend name and the operation, keeping
// the cause (and any store sentinel) reachable through errors.Is. Every
// error that is not a decided outcome (not found, conflict) is the
// database failing to answer, and is marked store.ErrUnavailable.
func (s *Store) errorf(op string, err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrUnavailable) {
		return fmt.Errorf("%s: %s: %w", s.d.Name, op, err)
	}
	return fmt.Errorf("%s: %s: %w (%w)", s.d.Name, op, err, store.ErrUnavailable)
}
