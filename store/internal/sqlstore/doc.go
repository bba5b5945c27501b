// Package sqlstore owns the database/sql implementation of [store.Store]
// shared by the SQLite and PostgreSQL backends: the schema and its ordered
// migrations, every query, and the small [Dialect] table that holds what
// differs between the two databases.
//
// It imports no driver. Backends open the *sql.DB with their driver, run
// [Migrate] (PostgreSQL under an advisory lock) and wrap the result of [New].
//
// Encoding: times are stored as UTC unix microseconds in 64-bit integers
// and come back in UTC, exact to the microsecond; scope lists are stored as
// JSON arrays so that any list, the empty one included, round-trips.
package sqlstore
