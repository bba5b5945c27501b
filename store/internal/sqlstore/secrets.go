package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Secret returns the named secret, creating it with create if it is
// missing. The insert does nothing when another caller (possibly another
// instance) got there first, and the value is then read back, so every
// caller ends up with the first writer's value. create may therefore run on
// several callers at once, but only one result is ever kept.
func (s *Store) Secret(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	op := fmt.Sprintf("secret %q", name)
	v, err := s.readSecret(ctx, name)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, s.errorf(op, err)
	}
	fresh, err := create()
	if err != nil {
		return nil, s.errorf(op, fmt.Errorf("creating value: %w", err))
	}
	if fresh == nil {
		fresh = []byte{} // the column is NOT NULL
	}
	const ins = `INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
	if _, err := s.db.ExecContext(ctx, s.d.rebind(ins), name, fresh, toMicros(time.Now())); err != nil {
		return nil, s.errorf(op, err)
	}
	v, err = s.readSecret(ctx, name)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	return v, nil
}

func (s *Store) readSecret(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT value FROM secrets WHERE name = ?`), name).Scan(&v)
	if err != nil {
		return nil, err
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}
