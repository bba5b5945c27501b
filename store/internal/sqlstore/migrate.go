package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// migration is one step of the schema. Steps are only ever appended: a
// released step is never edited, because databases out there recorded it.
type migration struct {
	version int
	name    string
	stmts   []string // may contain {{blob}} and {{random_id}}, see Dialect.ddl
}

// migrations is the schema history, in order.
var migrations = []migration{
	{
		version: 1,
		name:    "initial schema",
		stmts: []string{
			`CREATE TABLE signing_keys (
				id          TEXT PRIMARY KEY,
				algorithm   TEXT NOT NULL,
				private_key {{blob}} NOT NULL,
				created_at  BIGINT NOT NULL,
				expires_at  BIGINT NOT NULL
			)`,
			`CREATE TABLE secrets (
				name       TEXT PRIMARY KEY,
				value      {{blob}} NOT NULL,
				created_at BIGINT NOT NULL
			)`,
			`CREATE TABLE auth_codes (
				id                    TEXT PRIMARY KEY,
				client_id             TEXT NOT NULL,
				redirect_uri          TEXT NOT NULL,
				subject               TEXT NOT NULL,
				scopes                TEXT NOT NULL,
				code_challenge        TEXT NOT NULL,
				code_challenge_method TEXT NOT NULL,
				nonce                 TEXT NOT NULL,
				auth_time             BIGINT NOT NULL,
				created_at            BIGINT NOT NULL,
				expires_at            BIGINT NOT NULL,
				redeemed_at           BIGINT
			)`,
			`CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at)`,
			`CREATE TABLE consents (
				subject    TEXT NOT NULL,
				client_id  TEXT NOT NULL,
				scopes     TEXT NOT NULL,
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL,
				PRIMARY KEY (subject, client_id)
			)`,
		},
	},
	{
		version: 2,
		name:    "revoked tokens",
		stmts: []string{
			`CREATE TABLE revoked_tokens (
				token_id   TEXT PRIMARY KEY,
				revoked_at BIGINT NOT NULL,
				expires_at BIGINT NOT NULL
			)`,
			`CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at)`,
			`CREATE INDEX revoked_tokens_revoked_at ON revoked_tokens (revoked_at)`,
		},
	},
	{
		version: 3,
		name:    "federated users",
		stmts: []string{
			// email_verified: NULL unknown, 0 false, 1 true.
			`CREATE TABLE federated_users (
				subject        TEXT PRIMARY KEY,
				provider       TEXT NOT NULL,
				name           TEXT NOT NULL,
				email          TEXT NOT NULL,
				email_verified INTEGER,
				created_at     BIGINT NOT NULL,
				updated_at     BIGINT NOT NULL
			)`,
		},
	},
	{
		// A remembered consent becomes a grant with an ID that codes and
		// tokens carry; revoking keeps the row (revoked_at) until the user
		// grants the client again.
		version: 4,
		name:    "grants",
		stmts: []string{
			`ALTER TABLE consents RENAME TO grants`,
			`ALTER TABLE grants ADD COLUMN id TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE grants ADD COLUMN authorization_details {{blob}}`,
			`ALTER TABLE grants ADD COLUMN last_used_at BIGINT`,
			`ALTER TABLE grants ADD COLUMN revoked_at BIGINT`,
			`UPDATE grants SET id = {{random_id}}`,
			`CREATE UNIQUE INDEX grants_id ON grants (id)`,
			`ALTER TABLE auth_codes ADD COLUMN grant_id TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE auth_codes ADD COLUMN authorization_details {{blob}}`,
			`CREATE TABLE revoked_grants (
				grant_id   TEXT PRIMARY KEY,
				revoked_at BIGINT NOT NULL,
				expires_at BIGINT NOT NULL
			)`,
			`CREATE INDEX revoked_grants_expires_at ON revoked_grants (expires_at)`,
			`CREATE INDEX revoked_grants_revoked_at ON revoked_grants (revoked_at)`,
		},
	},
	{
		version: 5,
		name:    "refresh tokens",
		stmts: []string{
			`CREATE TABLE refresh_tokens (
				id                    TEXT PRIMARY KEY,
				grant_id              TEXT NOT NULL,
				client_id             TEXT NOT NULL,
				subject               TEXT NOT NULL,
				scopes                TEXT NOT NULL,
				authorization_details {{blob}},
				auth_time             BIGINT NOT NULL,
				created_at            BIGINT NOT NULL,
				expires_at            BIGINT NOT NULL,
				family_expires_at     BIGINT NOT NULL,
				rotated_at            BIGINT
			)`,
			`CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at)`,
		},
	},
	{
		version: 6,
		name:    "heartbeats",
		stmts: []string{
			`CREATE TABLE heartbeats (
				instance TEXT PRIMARY KEY,
				beat_at  BIGINT NOT NULL
			)`,
		},
	},
	{
		// Login sessions live on the server, so that logout ends them.
		version: 7,
		name:    "login sessions",
		stmts: []string{
			`CREATE TABLE login_sessions (
				id         TEXT PRIMARY KEY,
				subject    TEXT NOT NULL,
				auth_time  BIGINT NOT NULL,
				created_at BIGINT NOT NULL,
				expires_at BIGINT NOT NULL
			)`,
			`CREATE INDEX login_sessions_expires_at ON login_sessions (expires_at)`,
		},
	},
	{
		// Several instances on one database behave as one: attempt limits
		// are counted here rather than per process, and a signing key
		// records the key it replaces, unique per algorithm, so that only
		// one of the instances racing to rotate a key stores a new one.
		// Unique indexes treat NULLs as distinct in both databases, so the
		// keys created before this migration do not collide.
		version: 8,
		name:    "shared attempt limits and single key rotation",
		stmts: []string{
			`CREATE TABLE attempts (
				name         TEXT PRIMARY KEY,
				n            INTEGER NOT NULL,
				window_start BIGINT NOT NULL,
				expires_at   BIGINT NOT NULL
			)`,
			`CREATE INDEX attempts_expires_at ON attempts (expires_at)`,
			`ALTER TABLE signing_keys ADD COLUMN replaces TEXT`,
			`CREATE UNIQUE INDEX signing_keys_replaces ON signing_keys (algorithm, replaces)`,
		},
	},
	{
		// Refresh tokens remember the credential the user signed in with,
		// so that changing the password ends them. Rows from before have
		// none.
		version: 9,
		name:    "credential of codes and refresh tokens",
		stmts: []string{
			`ALTER TABLE auth_codes ADD COLUMN credential {{blob}}`,
			`ALTER TABLE refresh_tokens ADD COLUMN credential {{blob}}`,
		},
	},
}

// Migrate brings the schema up to date on conn, one transaction per
// migration, each recorded in schema_migrations. A migration that another
// instance recorded meanwhile is skipped, but two instances creating the
// tables at the same moment can still collide: PostgreSQL callers hold an
// advisory lock on conn around Migrate; SQLite serialises the transactions
// itself (the backend begins them IMMEDIATE).
func Migrate(ctx context.Context, conn *sql.Conn, d Dialect) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL
	)`
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("%s: creating schema_migrations: %w", d.Name, err)
	}
	for _, m := range migrations {
		if err := applyMigration(ctx, conn, d, m); err != nil {
			return fmt.Errorf("%s: migration %d (%s): %w", d.Name, m.version, m.name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, d Dialect, m migration) (err error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	var one int
	err = tx.QueryRowContext(ctx, d.rebind(`SELECT 1 FROM schema_migrations WHERE version = ?`), m.version).Scan(&one)
	switch {
	case err == nil:
		return tx.Commit() // applied before
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("reading schema_migrations: %w", err)
	}
	for _, stmt := range m.stmts {
		if _, err := tx.ExecContext(ctx, d.ddl(stmt)); err != nil {
			return fmt.Errorf("executing %.40q: %w", stmt, err)
		}
	}
	const record = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
	if _, err := tx.ExecContext(ctx, d.rebind(record), m.version, m.name, toMicros(time.Now())); err != nil {
		return fmt.Errorf("recording migration: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// ignoreDone drops the error Rollback reports after a Commit was attempted.
func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
