package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/store"
)

const grantColumns = `id, subject, client_id, scopes, authorization_details,
	created_at, updated_at, last_used_at, revoked_at`

// LiveGrant returns the live grant of subject to clientID.
func (s *Store) LiveGrant(ctx context.Context, subject, clientID string) (store.Grant, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	q := `SELECT ` + grantColumns + ` FROM grants
		WHERE subject = ? AND client_id = ? AND revoked_at IS NULL`
	g, err := scanGrant(s.db.QueryRowContext(ctx, s.d.rebind(q), subject, clientID))
	return g, s.readErr("reading grant", err)
}

// Grant returns the grant with ID id, live or revoked.
func (s *Store) Grant(ctx context.Context, id string) (store.Grant, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	q := `SELECT ` + grantColumns + ` FROM grants WHERE id = ?`
	g, err := scanGrant(prepared{s: s}.QueryRow(ctx, s.d.rebind(q), id))
	return g, s.readErr("reading grant", err)
}

func (s *Store) readErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return s.errorf(op, store.ErrNotFound)
	default:
		return s.errorf(op, err)
	}
}

// Grants lists the live grants of subject ordered by client ID, compared
// byte by byte so that the order does not depend on the database's locale.
func (s *Store) Grants(ctx context.Context, subject string) ([]store.Grant, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	q := `SELECT ` + grantColumns + ` FROM grants WHERE subject = ? AND revoked_at IS NULL
		ORDER BY client_id COLLATE ` + s.d.BinaryCollation
	rows, err := s.db.QueryContext(ctx, s.d.rebind(q), subject)
	if err != nil {
		return nil, s.errorf("listing grants", err)
	}
	defer rows.Close()
	var out []store.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, s.errorf("listing grants", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("listing grants", err)
	}
	return out, nil
}

// SaveGrant writes g as the grant of its (subject, client) pair. The
// upsert's WHERE clause is the whole concurrency story (a compare-and-swap):
// the existing row is overwritten only when it is still, field for field,
// the live grant the caller read, or a revoked one when the caller read
// none and g does not resurrect its ID. Any other row makes the statement
// change nothing, which the caller learns as store.ErrConflict; there is no
// read-then-write window. LastUsedAt is left out of the comparison: a
// touch racing with a consent is no conflict.
func (s *Store) SaveGrant(ctx context.Context, g store.Grant, read *store.Grant) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	scopes, err := encodeScopes(g.Scopes)
	if err != nil {
		return s.errorf("saving grant", err)
	}
	if g.ID == "" {
		return s.errorf("saving grant", errors.New("grant has no ID"))
	}
	var readID, readScopes string
	var readDetails any
	var readUpdated int64
	if read != nil {
		if readScopes, err = encodeScopes(read.Scopes); err != nil {
			return s.errorf("saving grant", err)
		}
		readID, readDetails, readUpdated = read.ID, nullBytes(read.AuthorizationDetails), toMicros(read.UpdatedAt)
	}
	q := `INSERT INTO grants (` + grantColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (subject, client_id) DO UPDATE SET
			id = excluded.id, scopes = excluded.scopes,
			authorization_details = excluded.authorization_details,
			created_at = excluded.created_at, updated_at = excluded.updated_at,
			last_used_at = excluded.last_used_at, revoked_at = excluded.revoked_at
		WHERE (grants.revoked_at IS NULL AND grants.id = ? AND grants.scopes = ?
				AND grants.authorization_details IS NOT DISTINCT FROM ? AND grants.updated_at = ?)
			OR (grants.revoked_at IS NOT NULL AND ? = '' AND grants.id <> excluded.id)`
	res, err := s.db.ExecContext(ctx, s.d.rebind(q),
		g.ID, g.Subject, g.ClientID, scopes, nullBytes(g.AuthorizationDetails),
		toMicros(g.CreatedAt), toMicros(g.UpdatedAt), toNullMicros(g.LastUsedAt), toNullMicros(g.RevokedAt),
		readID, readScopes, readDetails, readUpdated, readID)
	if err != nil {
		// The only other unique key is the ID: a caller reusing another
		// pair's grant ID lost to that grant.
		if s.isUniqueViolation(ctx, g.ID, g.Subject, g.ClientID) {
			return s.errorf("saving grant", store.ErrConflict)
		}
		return s.errorf("saving grant", err)
	}
	return s.insertedOne(res, fmt.Sprintf("saving grant for (%s, %s)", g.Subject, g.ClientID))
}

// isUniqueViolation reports whether id is already taken by another pair's
// grant, which is what a failing SaveGrant most likely hit. Checking the
// data keeps the package free of driver-specific error codes.
func (s *Store) isUniqueViolation(ctx context.Context, id, subject, clientID string) bool {
	var one int
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM grants WHERE id = ? AND NOT (subject = ? AND client_id = ?)`),
		id, subject, clientID).Scan(&one)
	return err == nil
}

// RevokeGrant stamps revoked_at once; the condition on NULL makes the
// first revocation the one that counts.
func (s *Store) RevokeGrant(ctx context.Context, id string, at time.Time) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`
	res, err := s.db.ExecContext(ctx, s.d.rebind(q), toMicros(at), id)
	if err != nil {
		return false, s.errorf("revoking grant", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.errorf("revoking grant", err)
	}
	return n == 1, nil
}

// TouchGrant moves last_used_at forward, but writes only when the stored
// value is at least store.GrantTouchInterval old, so a busy client costs
// one write a minute rather than one per token.
func (s *Store) TouchGrant(ctx context.Context, id string, at time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const q = `UPDATE grants SET last_used_at = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`
	_, err := prepared{s: s}.ExecContext(ctx, s.d.rebind(q), toMicros(at), id, toMicros(at.Add(-store.GrantTouchInterval)))
	if err != nil {
		return s.errorf("touching grant", err)
	}
	return nil
}

func scanGrant(row scanner) (store.Grant, error) {
	var g store.Grant
	var scopes string
	var details []byte
	var created, updated int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&g.ID, &g.Subject, &g.ClientID, &scopes, &details,
		&created, &updated, &used, &revoked); err != nil {
		return store.Grant{}, err
	}
	var err error
	if g.Scopes, err = decodeScopes(scopes); err != nil {
		return store.Grant{}, fmt.Errorf("grant %q: %w", g.ID, err)
	}
	if len(details) > 0 {
		g.AuthorizationDetails = details
	}
	g.CreatedAt, g.UpdatedAt = fromMicros(created), fromMicros(updated)
	g.LastUsedAt, g.RevokedAt = fromNullMicros(used), fromNullMicros(revoked)
	return g, nil
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// nullBytes stores nil as NULL, so that "not narrowed" and "narrowed to
// nothing" ("[]") stay distinct.
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}
