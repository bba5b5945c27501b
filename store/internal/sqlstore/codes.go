package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/store"
)

const codeColumns = `id, client_id, redirect_uri, subject, scopes, code_challenge,
	code_challenge_method, nonce, auth_time, created_at, expires_at, redeemed_at,
	grant_id, authorization_details, credential`

// CreateAuthCode stores c, or reports store.ErrConflict if its ID exists.
func (s *Store) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	scopes, err := encodeScopes(c.Scopes)
	if err != nil {
		return s.errorf("creating auth code", err)
	}
	q := `INSERT INTO auth_codes (` + codeColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	res, err := s.db.ExecContext(ctx, s.d.rebind(q),
		c.ID, c.ClientID, c.RedirectURI, c.Subject, scopes, c.CodeChallenge,
		c.CodeChallengeMethod, c.Nonce, toMicros(c.AuthTime), toMicros(c.CreatedAt),
		toMicros(c.ExpiresAt), toNullMicros(c.RedeemedAt), c.GrantID, nullBytes(c.AuthorizationDetails), nullBytes(c.Credential))
	if err != nil {
		return s.errorf("creating auth code", err)
	}
	return s.insertedOne(res, "creating auth code")
}

// RedeemAuthCode marks the code redeemed at now. The conditional UPDATE is
// the only thing that decides who wins: the database lets exactly one
// writer move redeemed_at from NULL, and everyone else changes no row. The
// read that follows, in the same transaction, only explains the outcome.
//
// A code that was redeemed before gives ErrConflict even once it has
// expired (until DeleteExpired removes it), so that the caller can still
// treat the replay as one and revoke what the code issued.
func (s *Store) RedeemAuthCode(ctx context.Context, id string, now time.Time) (code store.AuthCode, err error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return store.AuthCode{}, s.errorf("redeeming auth code", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	const upd = `UPDATE auth_codes SET redeemed_at = ?
		WHERE id = ? AND redeemed_at IS NULL AND expires_at > ?`
	res, err := tx.ExecContext(ctx, s.d.rebind(upd), toMicros(now), id, toMicros(now))
	if err != nil {
		return store.AuthCode{}, s.errorf("redeeming auth code", err)
	}
	won, err := res.RowsAffected()
	if err != nil {
		return store.AuthCode{}, s.errorf("redeeming auth code", err)
	}
	code, err = s.readCode(ctx, tx, id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.AuthCode{}, s.errorf("redeeming auth code", store.ErrNotFound)
	case err != nil:
		return store.AuthCode{}, s.errorf("redeeming auth code", err)
	}
	if err := tx.Commit(); err != nil {
		return store.AuthCode{}, s.errorf("redeeming auth code: committing", err)
	}
	switch {
	case won == 1:
		return code, nil
	case !code.RedeemedAt.IsZero():
		return code, s.errorf("redeeming auth code", store.ErrConflict)
	default: // present, never redeemed, so expired
		return store.AuthCode{}, s.errorf("redeeming auth code", store.ErrNotFound)
	}
}

func (s *Store) readCode(ctx context.Context, tx *sql.Tx, id string) (store.AuthCode, error) {
	q := `SELECT ` + codeColumns + ` FROM auth_codes WHERE id = ?`
	var c store.AuthCode
	var scopes string
	var authTime, created, expires int64
	var redeemed sql.NullInt64
	var details, cred []byte
	err := tx.QueryRowContext(ctx, s.d.rebind(q), id).Scan(
		&c.ID, &c.ClientID, &c.RedirectURI, &c.Subject, &scopes, &c.CodeChallenge,
		&c.CodeChallengeMethod, &c.Nonce, &authTime, &created, &expires, &redeemed,
		&c.GrantID, &details, &cred)
	if err != nil {
		return store.AuthCode{}, err
	}
	if len(details) > 0 {
		c.AuthorizationDetails = details
	}
	if len(cred) > 0 {
		c.Credential = cred
	}
	if c.Scopes, err = decodeScopes(scopes); err != nil {
		return store.AuthCode{}, fmt.Errorf("auth code %q: %w", id, err)
	}
	c.AuthTime, c.CreatedAt, c.ExpiresAt = fromMicros(authTime), fromMicros(created), fromMicros(expires)
	c.RedeemedAt = fromNullMicros(redeemed)
	return c, nil
}

// DeleteExpired removes the codes whose expiry is at or before now, the
// same instant RedeemAuthCode starts refusing them, and the revocations of
// tokens that have expired by now.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var total int64
	for _, table := range []string{"auth_codes", "refresh_tokens", "revoked_tokens", "revoked_grants", "login_sessions", "attempts"} {
		res, err := s.db.ExecContext(ctx, s.d.rebind(`DELETE FROM `+table+` WHERE expires_at <= ?`), toMicros(now))
		if err != nil {
			return total, s.errorf("deleting expired "+table, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, s.errorf("deleting expired "+table, err)
		}
		total += n
	}
	return total, nil
}
