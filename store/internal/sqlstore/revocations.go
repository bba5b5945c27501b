package sqlstore

import (
	"context"
	"time"

	"github.com/scopegate/scopegate/store"
)

// RevokeToken records r; a second revocation of the same token changes
// nothing.
func (s *Store) RevokeToken(ctx context.Context, r store.Revocation) error {
	const q = `INSERT INTO revoked_tokens (token_id, revoked_at, expires_at)
		VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
	if _, err := s.db.ExecContext(ctx, s.d.rebind(q), r.TokenID, toMicros(r.RevokedAt), toMicros(r.ExpiresAt)); err != nil {
		return s.errorf("revoking token", err)
	}
	return nil
}

// Revocations lists the revocations recorded since since and still in
// force at now.
func (s *Store) Revocations(ctx context.Context, since, now time.Time) ([]store.Revocation, error) {
	q := `SELECT token_id, revoked_at, expires_at FROM revoked_tokens
		WHERE revoked_at >= ? AND expires_at > ? ORDER BY token_id COLLATE ` + s.d.BinaryCollation
	rows, err := s.db.QueryContext(ctx, s.d.rebind(q), toMicros(since), toMicros(now))
	if err != nil {
		return nil, s.errorf("listing revocations", err)
	}
	defer rows.Close()
	var out []store.Revocation
	for rows.Next() {
		var r store.Revocation
		var revoked, expires int64
		if err := rows.Scan(&r.TokenID, &revoked, &expires); err != nil {
			return nil, s.errorf("listing revocations", err)
		}
		r.RevokedAt, r.ExpiresAt = fromMicros(revoked), fromMicros(expires)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("listing revocations", err)
	}
	return out, nil
}
