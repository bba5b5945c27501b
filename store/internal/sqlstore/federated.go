package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/scopegate/scopegate/store"
)

// SaveFederatedUser creates the profile or replaces everything but its
// CreatedAt.
func (s *Store) SaveFederatedUser(ctx context.Context, u store.FederatedUser) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var verified sql.NullInt64
	if u.EmailVerified != nil {
		verified.Valid = true
		if *u.EmailVerified {
			verified.Int64 = 1
		}
	}
	const q = `INSERT INTO federated_users (subject, provider, name, email, email_verified, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (subject)
		DO UPDATE SET provider = excluded.provider, name = excluded.name, email = excluded.email,
			email_verified = excluded.email_verified, updated_at = excluded.updated_at`
	_, err := s.db.ExecContext(ctx, s.d.rebind(q), u.Subject, u.Provider, u.Name, u.Email, verified,
		toMicros(u.CreatedAt), toMicros(u.UpdatedAt))
	if err != nil {
		return s.errorf("saving federated user", err)
	}
	return nil
}

// FederatedUser returns the profile of subject, or store.ErrNotFound.
func (s *Store) FederatedUser(ctx context.Context, subject string) (store.FederatedUser, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `SELECT subject, provider, name, email, email_verified, created_at, updated_at
		FROM federated_users WHERE subject = ?`
	var (
		u                store.FederatedUser
		verified         sql.NullInt64
		created, updated int64
	)
	err := s.db.QueryRowContext(ctx, s.d.rebind(q), subject).
		Scan(&u.Subject, &u.Provider, &u.Name, &u.Email, &verified, &created, &updated)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.FederatedUser{}, s.errorf("reading federated user", store.ErrNotFound)
	case err != nil:
		return store.FederatedUser{}, s.errorf("reading federated user", err)
	}
	if verified.Valid {
		v := verified.Int64 == 1
		u.EmailVerified = &v
	}
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return u, nil
}
