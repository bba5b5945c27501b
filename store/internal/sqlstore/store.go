package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/scopegate/scopegate/store"
)

// Store implements [store.Store] over a *sql.DB whose schema [Migrate]
// has brought up to date. Backends embed it.
type Store struct {
	db *sql.DB
	d  Dialect
	// revoked wakes this process's WatchRevocations callers.
	revoked broadcast
	// writeMu queues this process's writers on hot paths when the
	// dialect has OneWriter (see lockWrites).
	writeMu sync.Mutex
}

// lockWrites makes a hot write path wait for the previous one of this
// process when the database admits one writer at a time. SQLite's busy
// handler sleeps (up to 100 ms per try) while another connection writes,
// so under concurrent refreshes most time went to sleeping, not writing;
// a mutex hands the lock on at once. Other processes sharing the file
// still meet the busy handler, as before. It returns the unlock.
func (s *Store) lockWrites() func() {
	if !s.d.OneWriter {
		return func() {}
	}
	s.writeMu.Lock()
	return s.writeMu.Unlock
}

var _ store.Store = (*Store)(nil)

// New wraps db. The Store owns db from now on: Close closes it.
func New(db *sql.DB, d Dialect) *Store {
	return &Store{db: db, d: d}
}

// Close closes the database.
func (s *Store) Close() error {
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
