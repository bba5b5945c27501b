package sqlstore

import (
	"strconv"
	"strings"
)

// Dialect holds what differs between the databases. Everything else,
// including the upsert syntax (INSERT ... ON CONFLICT, supported by SQLite
// since 3.24 and by PostgreSQL since 9.5), is written once.
type Dialect struct {
	// Name appears in error messages, e.g. "sqlite" or "postgres".
	Name string
	// NumberedPlaceholders rewrites the "?" placeholders the queries are
	// written with into PostgreSQL's "$1", "$2", ...
	NumberedPlaceholders bool
	// BlobType is the column type for raw bytes: "BLOB" or "BYTEA".
	BlobType string
	// BinaryCollation names the collation that orders text byte by byte:
	// "BINARY" in SQLite, "C" in PostgreSQL.
	BinaryCollation string
	// RandomID is an SQL expression giving a fresh random hex string, used
	// by migrations to give existing rows an ID.
	RandomID string
	// OneWriter says that the database lets one writer in at a time and
	// makes the others wait in a sleeping busy handler (SQLite): hot write
	// paths then queue on a mutex in the process instead, which wakes the
	// next writer at once.
	OneWriter bool
}

// SQLite is the dialect of modernc.org/sqlite.
var SQLite = Dialect{Name: "sqlite", BlobType: "BLOB", BinaryCollation: "BINARY",
	RandomID: "lower(hex(randomblob(16)))", OneWriter: true}

// Postgres is the dialect of PostgreSQL through pgx.
var Postgres = Dialect{Name: "postgres", NumberedPlaceholders: true, BlobType: "BYTEA", BinaryCollation: `"C"`,
	RandomID: "md5(random()::text || clock_timestamp()::text || random()::text)"}

// rebind adapts a query written with "?" placeholders to the dialect. The
// queries in this package never contain a literal "?", so a plain scan is
// enough.
func (d Dialect) rebind(query string) string {
	if !d.NumberedPlaceholders {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ddl fills the dialect's types and expressions into a schema statement.
func (d Dialect) ddl(stmt string) string {
	return strings.NewReplacer("{{blob}}", d.BlobType, "{{random_id}}", d.RandomID).Replace(stmt)
}
