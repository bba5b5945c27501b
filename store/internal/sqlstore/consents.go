package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/scopegate/scopegate/store"
)

// Consent returns the consent of subject for clientID, or store.ErrNotFound.
func (s *Store) Consent(ctx context.Context, subject, clientID string) (store.Consent, error) {
	const q = `SELECT subject, client_id, scopes, created_at, updated_at
		FROM consents WHERE subject = ? AND client_id = ?`
	c, err := scanConsent(s.db.QueryRowContext(ctx, s.d.rebind(q), subject, clientID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.Consent{}, s.errorf("reading consent", store.ErrNotFound)
	case err != nil:
		return store.Consent{}, s.errorf("reading consent", err)
	}
	return c, nil
}

// SaveConsent creates the consent or replaces an existing one's scopes and
// UpdatedAt. The existing CreatedAt is kept: it records when the user first
// granted the client anything.
func (s *Store) SaveConsent(ctx context.Context, c store.Consent) error {
	scopes, err := encodeScopes(c.Scopes)
	if err != nil {
		return s.errorf("saving consent", err)
	}
	const q = `INSERT INTO consents (subject, client_id, scopes, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (subject, client_id)
		DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at`
	_, err = s.db.ExecContext(ctx, s.d.rebind(q), c.Subject, c.ClientID, scopes,
		toMicros(c.CreatedAt), toMicros(c.UpdatedAt))
	if err != nil {
		return s.errorf("saving consent", err)
	}
	return nil
}

// Consents lists the consents of subject ordered by client ID, compared
// byte by byte so that the order does not depend on the database's locale.
func (s *Store) Consents(ctx context.Context, subject string) ([]store.Consent, error) {
	q := `SELECT subject, client_id, scopes, created_at, updated_at
		FROM consents WHERE subject = ? ORDER BY client_id COLLATE ` + s.d.BinaryCollation
	rows, err := s.db.QueryContext(ctx, s.d.rebind(q), subject)
	if err != nil {
		return nil, s.errorf("listing consents", err)
	}
	defer rows.Close()
	var out []store.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, s.errorf("listing consents", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("listing consents", err)
	}
	return out, nil
}

// DeleteConsent removes a consent, or reports store.ErrNotFound.
func (s *Store) DeleteConsent(ctx context.Context, subject, clientID string) error {
	const q = `DELETE FROM consents WHERE subject = ? AND client_id = ?`
	res, err := s.db.ExecContext(ctx, s.d.rebind(q), subject, clientID)
	if err != nil {
		return s.errorf("deleting consent", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.errorf("deleting consent", err)
	}
	if n == 0 {
		return s.errorf("deleting consent", store.ErrNotFound)
	}
	return nil
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

func scanConsent(row scanner) (store.Consent, error) {
	var c store.Consent
	var scopes string
	var created, updated int64
	if err := row.Scan(&c.Subject, &c.ClientID, &scopes, &created, &updated); err != nil {
		return store.Consent{}, err
	}
	var err error
	if c.Scopes, err = decodeScopes(scopes); err != nil {
		return store.Consent{}, err
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return c, nil
}
