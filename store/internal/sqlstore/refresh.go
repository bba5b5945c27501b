package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/store"
)

const refreshColumns = `id, grant_id, client_id, subject, scopes, authorization_details,
	auth_time, created_at, expires_at, family_expires_at, rotated_at`

// CreateRefreshToken stores t, or reports store.ErrConflict if its ID
// exists.
func (s *Store) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.insertRefresh(ctx, prepared{s: s}, t); err != nil {
		return s.errorf("creating refresh token", err)
	}
	return nil
}

const refreshInsert = `INSERT INTO refresh_tokens (` + refreshColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

func (s *Store) insertRefresh(ctx context.Context, q prepared, t store.RefreshToken) error {
	scopes, err := encodeScopes(t.Scopes)
	if err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, s.d.rebind(refreshInsert), t.ID, t.GrantID, t.ClientID, t.Subject, scopes,
		nullBytes(t.AuthorizationDetails), toMicros(t.AuthTime), toMicros(t.CreatedAt),
		toMicros(t.ExpiresAt), toMicros(t.FamilyExpiresAt), toNullMicros(t.RotatedAt))
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}

// RefreshToken returns the stored token with ID id.
func (s *Store) RefreshToken(ctx context.Context, id string) (store.RefreshToken, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	t, err := s.readRefresh(ctx, prepared{s: s}, id)
	return t, s.readErr("reading refresh token", err)
}

const refreshSelect = `SELECT ` + refreshColumns + ` FROM refresh_tokens WHERE id = ?`

func (s *Store) readRefresh(ctx context.Context, q prepared, id string) (store.RefreshToken, error) {
	var t store.RefreshToken
	var scopes string
	var details []byte
	var authTime, created, expires, family int64
	var rotated sql.NullInt64
	err := q.QueryRow(ctx, s.d.rebind(refreshSelect), id).Scan(&t.ID, &t.GrantID, &t.ClientID, &t.Subject,
		&scopes, &details, &authTime, &created, &expires, &family, &rotated)
	if err != nil {
		return store.RefreshToken{}, err
	}
	if t.Scopes, err = decodeScopes(scopes); err != nil {
		return store.RefreshToken{}, fmt.Errorf("refresh token %q: %w", id, err)
	}
	if len(details) > 0 {
		t.AuthorizationDetails = details
	}
	t.AuthTime, t.CreatedAt = fromMicros(authTime), fromMicros(created)
	t.ExpiresAt, t.FamilyExpiresAt = fromMicros(expires), fromMicros(family)
	t.RotatedAt = fromNullMicros(rotated)
	return t, nil
}

const refreshRotate = `UPDATE refresh_tokens SET rotated_at = ?
	WHERE id = ? AND rotated_at IS NULL AND expires_at > ?
		AND EXISTS (SELECT 1 FROM grants WHERE grants.id = refresh_tokens.grant_id AND grants.revoked_at IS NULL)`

// RotateRefreshToken marks oldID rotated and stores next in one
// transaction. The conditional UPDATE alone decides who wins: the database
// lets exactly one writer move rotated_at from NULL, and only while the
// grant is live, so a revocation committed first also makes it change
// nothing. The successor is inserted before the commit: a failure there
// (or a crash) rolls the rotation back, so the old token still works and
// no token exists that the store does not know.
func (s *Store) RotateRefreshToken(ctx context.Context, oldID string, next store.RefreshToken, now time.Time) (err error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const op = "rotating refresh token"
	s.warm(ctx, s.d.rebind(refreshRotate), s.d.rebind(refreshSelect), s.d.rebind(refreshInsert))
	unlock, err := s.lockWrites(ctx)
	if err != nil {
		return s.errorf(op, err)
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.errorf(op, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	q := prepared{s: s, tx: tx}
	res, err := q.ExecContext(ctx, s.d.rebind(refreshRotate), toMicros(now), oldID, toMicros(now))
	if err != nil {
		return s.errorf(op, err)
	}
	won, err := res.RowsAffected()
	if err != nil {
		return s.errorf(op, err)
	}
	if won == 0 {
		old, err := s.readRefresh(ctx, q, oldID)
		switch {
		case err == nil && !old.RotatedAt.IsZero():
			return s.errorf(op, store.ErrConflict)
		case err == nil || errors.Is(err, sql.ErrNoRows):
			return s.errorf(op, store.ErrNotFound)
		default:
			return s.errorf(op, err)
		}
	}
	if err := s.insertRefresh(ctx, q, next); err != nil {
		return s.errorf(op+": storing its successor", err)
	}
	if err := tx.Commit(); err != nil {
		return s.errorf(op+": committing", err)
	}
	return nil
}
