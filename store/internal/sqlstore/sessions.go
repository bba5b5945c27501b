package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/scopegate/scopegate/store"
)

// CreateLoginSession stores ls, or reports store.ErrConflict if its ID
// exists.
func (s *Store) CreateLoginSession(ctx context.Context, ls store.LoginSession) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `INSERT INTO login_sessions (id, subject, auth_time, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	res, err := s.db.ExecContext(ctx, s.d.rebind(q), ls.ID, ls.Subject,
		toMicros(ls.AuthTime), toMicros(ls.CreatedAt), toMicros(ls.ExpiresAt))
	if err != nil {
		return s.errorf("creating login session", err)
	}
	return s.insertedOne(res, "creating login session")
}

// LoginSession returns the session unless it is unknown or expired at now.
func (s *Store) LoginSession(ctx context.Context, id string, now time.Time) (store.LoginSession, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `SELECT id, subject, auth_time, created_at, expires_at
		FROM login_sessions WHERE id = ? AND expires_at > ?`
	var (
		ls                     store.LoginSession
		auth, created, expires int64
	)
	err := s.db.QueryRowContext(ctx, s.d.rebind(q), id, toMicros(now)).
		Scan(&ls.ID, &ls.Subject, &auth, &created, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.LoginSession{}, s.errorf("reading login session", store.ErrNotFound)
	case err != nil:
		return store.LoginSession{}, s.errorf("reading login session", err)
	}
	ls.AuthTime, ls.CreatedAt, ls.ExpiresAt = fromMicros(auth), fromMicros(created), fromMicros(expires)
	return ls, nil
}

// DeleteLoginSession removes the session, if there is one.
func (s *Store) DeleteLoginSession(ctx context.Context, id string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, s.d.rebind(`DELETE FROM login_sessions WHERE id = ?`), id); err != nil {
		return s.errorf("deleting login session", err)
	}
	return nil
}
