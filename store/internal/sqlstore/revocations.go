package sqlstore

import (
	"context"
	"time"

	"github.com/scopegate/scopegate/store"
)

// revocationTable maps a revocation to its table and key column: tokens
// and grants are kept apart so that neither ID space can shadow the other.
func revocationTable(r store.Revocation) (table, column, id string) {
	if r.GrantID != "" {
		return "revoked_grants", "grant_id", r.GrantID
	}
	return "revoked_tokens", "token_id", r.TokenID
}

// RevokeToken records r; a second revocation of the same token or grant
// changes nothing.
func (s *Store) RevokeToken(ctx context.Context, r store.Revocation) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	table, column, id := revocationTable(r)
	q := `INSERT INTO ` + table + ` (` + column + `, revoked_at, expires_at)
		VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
	if _, err := s.db.ExecContext(ctx, s.d.rebind(q), id, toMicros(r.RevokedAt), toMicros(r.ExpiresAt)); err != nil {
		return s.errorf("revoking token", err)
	}
	s.revoked.notify()
	return nil
}

// Revocations lists the revocations recorded since since and still in
// force at now: tokens, then grants.
func (s *Store) Revocations(ctx context.Context, since, now time.Time) ([]store.Revocation, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out []store.Revocation
	for _, grant := range []bool{false, true} {
		table, column := "revoked_tokens", "token_id"
		if grant {
			table, column = "revoked_grants", "grant_id"
		}
		q := `SELECT ` + column + `, revoked_at, expires_at FROM ` + table + `
			WHERE revoked_at >= ? AND expires_at > ? ORDER BY ` + column + ` COLLATE ` + s.d.BinaryCollation
		rows, err := s.db.QueryContext(ctx, s.d.rebind(q), toMicros(since), toMicros(now))
		if err != nil {
			return nil, s.errorf("listing revocations", err)
		}
		for rows.Next() {
			var r store.Revocation
			var id string
			var revoked, expires int64
			if err := rows.Scan(&id, &revoked, &expires); err != nil {
				rows.Close()
				return nil, s.errorf("listing revocations", err)
			}
			if grant {
				r.GrantID = id
			} else {
				r.TokenID = id
			}
			r.RevokedAt, r.ExpiresAt = fromMicros(revoked), fromMicros(expires)
			out = append(out, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, s.errorf("listing revocations", err)
		}
	}
	return out, nil
}
