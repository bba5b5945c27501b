package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/scopegate/scopegate/store"
)

// ReserveAttempt is one upsert whose WHERE clause is the limit: the row
// is locked by the conflict (PostgreSQL) or the write lock (SQLite) while
// the condition is checked and the count raised, so concurrent callers on
// any number of instances cannot all pass a check before one of them
// counts. An ended window is restarted in the same statement. The SET
// expressions all see the row as it was before the update, in both
// databases. RETURNING gives no row when the WHERE clause refused.
func (s *Store) ReserveAttempt(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (store.AttemptReservation, bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `INSERT INTO attempts (name, n, window_start, expires_at) VALUES (?, 1, ?, ?)
		ON CONFLICT (name) DO UPDATE SET
			n = CASE WHEN attempts.expires_at <= ? THEN 1 ELSE attempts.n + 1 END,
			window_start = CASE WHEN attempts.expires_at <= ? THEN excluded.window_start ELSE attempts.window_start END,
			expires_at = CASE WHEN attempts.expires_at <= ? THEN excluded.expires_at ELSE attempts.expires_at END
		WHERE attempts.expires_at <= ? OR attempts.n < ?
		RETURNING n, window_start`
	if limit < 1 {
		return store.AttemptReservation{}, false, nil
	}
	t := toMicros(now)
	var n int
	var start int64
	err := s.db.QueryRowContext(ctx, s.d.rebind(q), key, t, toMicros(now.Add(window)), t, t, t, t, limit).Scan(&n, &start)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.AttemptReservation{}, false, nil
	case err != nil:
		return store.AttemptReservation{}, false, s.errorf("reserving attempt", err)
	}
	return store.AttemptReservation{Count: n, WindowStart: fromMicros(start)}, true, nil
}

// RefundAttempt lowers the count only in the window the reservation was
// taken in, so a refund arriving after the window restarted cannot give
// the new window an extra attempt. A window left at zero is deleted, so
// that successes leave no rows; the delete's own condition on n makes a
// reservation slipping in between win.
func (s *Store) RefundAttempt(ctx context.Context, key string, windowStart time.Time) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `UPDATE attempts SET n = n - 1 WHERE name = ? AND window_start = ? AND n > 0 RETURNING n`
	var n int
	err := s.db.QueryRowContext(ctx, s.d.rebind(q), key, toMicros(windowStart)).Scan(&n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, s.errorf("refunding attempt", err)
	}
	if n == 0 {
		const del = `DELETE FROM attempts WHERE name = ? AND window_start = ? AND n = 0`
		if _, err := s.db.ExecContext(ctx, s.d.rebind(del), key, toMicros(windowStart)); err != nil {
			return 0, s.errorf("refunding attempt", err)
		}
	}
	return n, nil
}

// ResetAttempts deletes key's window.
func (s *Store) ResetAttempts(ctx context.Context, key string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, s.d.rebind(`DELETE FROM attempts WHERE name = ?`), key); err != nil {
		return s.errorf("resetting attempts", err)
	}
	return nil
}
