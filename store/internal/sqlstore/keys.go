package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/scopegate/scopegate/store"
)

// SigningKeys returns all keys, newest first. Keys created in the same
// microsecond are ordered by ID so the order is stable.
func (s *Store) SigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `SELECT id, algorithm, private_key, created_at, expires_at, replaces
		FROM signing_keys ORDER BY created_at DESC, id DESC`
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, s.errorf("listing signing keys", err)
	}
	defer rows.Close()
	var keys []store.SigningKey
	for rows.Next() {
		var k store.SigningKey
		var created, expires int64
		var replaces sql.NullString
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &created, &expires, &replaces); err != nil {
			return nil, s.errorf("reading signing key", err)
		}
		k.CreatedAt, k.ExpiresAt = fromMicros(created), fromMicros(expires)
		k.Replaces = replaces.String
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("listing signing keys", err)
	}
	return keys, nil
}

// CreateSigningKey stores k, or reports store.ErrConflict if its ID exists
// or another key of its algorithm already replaces k.Replaces. ON CONFLICT
// DO NOTHING (on any unique index) plus the row count decides, so no
// driver-specific error codes are needed. An empty Replaces is stored as
// NULL, which the unique index never compares equal.
func (s *Store) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `INSERT INTO signing_keys (id, algorithm, private_key, created_at, expires_at, replaces)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	key := k.PrivateKey
	if key == nil {
		key = []byte{} // the column is NOT NULL
	}
	res, err := s.db.ExecContext(ctx, s.d.rebind(q), k.ID, k.Algorithm, key, toMicros(k.CreatedAt), toMicros(k.ExpiresAt),
		sql.NullString{String: k.Replaces, Valid: k.Replaces != ""})
	if err != nil {
		return s.errorf("creating signing key", err)
	}
	return s.insertedOne(res, fmt.Sprintf("creating signing key %q", k.ID))
}
