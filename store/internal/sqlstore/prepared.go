package sqlstore

import (
	"context"
	"database/sql"
)

// prepare returns query prepared for the pool, preparing it on the first
// call only. modernc.org/sqlite parses the SQL of every Exec and Query
// anew, which cost a refresh_token grant about a quarter of its CPU; a
// prepared *sql.Stmt is parsed once per pooled connection and kept there
// (database/sql prepares it on each connection as needed). Statements are
// kept until Close; only the fixed queries of hot paths come here.
func (s *Store) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close() // another caller prepared it meanwhile
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// closeStatements closes the statements prepare made.
func (s *Store) closeStatements() {
	s.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		s.stmts.Delete(k)
		return true
	})
}

// prepared runs prepared statements on the pool, or within tx when tx is
// not nil, so that one query function serves both.
type prepared struct {
	s  *Store
	tx *sql.Tx
}

func (p prepared) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if p.tx == nil {
		return p.s.prepare(ctx, query)
	}
	if st, ok := p.s.stmts.Load(query); ok {
		// Closed with the transaction; the connection keeps the parsed
		// statement for the next one.
		return p.tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	// Preparing for the pool would wait for a second connection while the
	// transaction holds one: a deadlock where the pool has only one (an
	// in-memory SQLite). Callers prepare their transactions' statements
	// beforehand (see warm); this one is prepared for the transaction
	// alone.
	return p.tx.PrepareContext(ctx, query)
}

// warm prepares queries for the pool before a transaction that uses them
// begins. A failure is left for the transaction to meet.
func (s *Store) warm(ctx context.Context, queries ...string) {
	for _, q := range queries {
		_, _ = s.prepare(ctx, q)
	}
}

// ExecContext executes query with args.
func (p prepared) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryRow runs query, which returns at most one row.
func (p prepared) QueryRow(ctx context.Context, query string, args ...any) scanner {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// errRow is a row whose query could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
