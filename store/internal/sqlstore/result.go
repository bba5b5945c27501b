package sqlstore

import (
	"database/sql"

	"github.com/scopegate/scopegate/store"
)

// insertedOne turns the result of an INSERT ... ON CONFLICT DO NOTHING into
// nil (the row was written) or store.ErrConflict (a row with that key was
// already there).
func (s *Store) insertedOne(res sql.Result, op string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return s.errorf(op, err)
	}
	if n == 0 {
		return s.errorf(op, store.ErrConflict)
	}
	return nil
}
