package sqlstore

import (
	"context"
	"time"
)

// Heartbeat upserts the instance's row: a real write, so that readiness
// fails when the database can be read but not written.
func (s *Store) Heartbeat(ctx context.Context, instance string, at time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `INSERT INTO heartbeats (instance, beat_at) VALUES (?, ?)
		ON CONFLICT (instance) DO UPDATE SET beat_at = excluded.beat_at`
	if _, err := s.db.ExecContext(ctx, s.d.rebind(q), instance, toMicros(at)); err != nil {
		return s.errorf("heartbeat", err)
	}
	return nil
}
