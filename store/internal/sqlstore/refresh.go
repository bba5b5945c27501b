package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/store"
)

const refreshColumns = refreshColumnsButRotated + `, rotated_at`

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
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

func (s *Store) insertRefresh(ctx context.Context, q prepared, t store.RefreshToken) error {
	scopes, err := encodeScopes(t.Scopes)
	if err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, s.d.rebind(refreshInsert), t.ID, t.GrantID, t.ClientID, t.Subject, scopes,
		nullBytes(t.AuthorizationDetails), toMicros(t.AuthTime), toMicros(t.CreatedAt),
		toMicros(t.ExpiresAt), toMicros(t.FamilyExpiresAt), nullBytes(t.Credential), toNullMicros(t.RotatedAt))
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
	return scanRefresh(id, q.QueryRow(ctx, s.d.rebind(refreshSelect), id))
}

// scanRefresh reads one row of refreshColumns.
func scanRefresh(id string, row scanner) (store.RefreshToken, error) {
	var t store.RefreshToken
	var scopes string
	var details, cred []byte
	var authTime, created, expires, family int64
	var rotated sql.NullInt64
	err := row.Scan(&t.ID, &t.GrantID, &t.ClientID, &t.Subject,
		&scopes, &details, &authTime, &created, &expires, &family, &cred, &rotated)
	if err != nil {
		return store.RefreshToken{}, err
	}
	if t.Scopes, err = decodeScopes(scopes); err != nil {
		return store.RefreshToken{}, fmt.Errorf("refresh token %q: %w", id, err)
	}
	if len(details) > 0 {
		t.AuthorizationDetails = details
	}
	if len(cred) > 0 {
		t.Credential = cred
	}
	t.AuthTime, t.CreatedAt = fromMicros(authTime), fromMicros(created)
	t.ExpiresAt, t.FamilyExpiresAt = fromMicros(expires), fromMicros(family)
	t.RotatedAt = fromNullMicros(rotated)
	return t, nil
}

// refreshRotate marks a usable token rotated and returns it. RETURNING
// shows the row as updated, so rotated_at is left out: the caller knows
// it was NULL.
const refreshRotate = `UPDATE refresh_tokens SET rotated_at = ?
	WHERE id = ? AND rotated_at IS NULL AND expires_at > ?
		AND EXISTS (SELECT 1 FROM grants WHERE grants.id = refresh_tokens.grant_id AND grants.revoked_at IS NULL)
	RETURNING ` + refreshColumnsButRotated + `, NULL`

const refreshColumnsButRotated = `id, grant_id, client_id, subject, scopes, authorization_details,
	auth_time, created_at, expires_at, family_expires_at, credential`

// RotateRefreshToken marks oldID rotated, asks successor for the next
// token and stores it, in one transaction. The conditional UPDATE alone
// decides who wins: the database lets exactly one writer move rotated_at
// from NULL, and only while the grant is live, so a revocation committed
// first also makes it change nothing. The same statement returns the
// token, so a refresh reads nothing else. The successor is inserted
// before the commit: a failure there (or a crash, or an error from
// successor) rolls the rotation back, so the old token still works and no
// token exists that the store does not know.
//
// Where the database has one writer, concurrent rotations share a
// transaction; elsewhere each has its own (rotate.go).
func (s *Store) RotateRefreshToken(ctx context.Context, oldID string, now time.Time,
	successor func(old store.RefreshToken) (store.RefreshToken, error)) (store.RefreshToken, error) {
	if s.d.OneWriter {
		return s.rotateBatched(ctx, oldID, now, successor)
	}
	return s.rotateAlone(ctx, oldID, now, successor)
}
