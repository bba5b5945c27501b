package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/storetest"
)

const dsnEnv = "SCOPEGATE_TEST_POSTGRES_DSN"

func TestConformance(t *testing.T) {
	dsn := testDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openFresh(t, dsn)
	})
}

// TestConcurrentOpen starts several instances on one empty schema at once:
// the advisory lock must keep their migrations from colliding.
func TestConcurrentOpen(t *testing.T) {
	dsn := withSearchPath(t, testDSN(t), freshSchema(t, testDSN(t)))
	const n = 4
	dbs := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = Open(context.Background(), dsn) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("instance %d: Open: %v", i, errs[i])
			continue
		}
		if _, err := dbs[i].SigningKeys(context.Background()); err != nil {
			t.Errorf("instance %d: SigningKeys: %v", i, err)
		}
		dbs[i].Close()
	}
}

func TestOpenBadDSN(t *testing.T) {
	if db, err := Open(context.Background(), "postgres://127.0.0.1:1/none?connect_timeout=2"); err == nil {
		db.Close()
		t.Fatal("Open with nothing listening succeeded; want an error")
	}
}

// testDSN returns the DSN of the test server, skipping the test when none is
// configured, except in CI, where a missing database is a failure.
func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		const msg = dsnEnv + " not set: skipping PostgreSQL store tests"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dsn
}

// openFresh opens a store in a new, empty schema that is dropped when the
// test ends, so tests and runs never see each other's rows.
func openFresh(t *testing.T, dsn string) *DB {
	t.Helper()
	db, err := Open(context.Background(), withSearchPath(t, dsn, freshSchema(t, dsn)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// freshSchema creates a uniquely named schema and drops it at cleanup
// (registered first, so it runs after the store using it is closed).
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("opening admin connection: %v", err)
	}
	schema := "scopegate_test_" + hex.EncodeToString(randomBytes(t, 8))
	if _, err := admin.ExecContext(context.Background(), `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		_, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		err = errors.Join(err, admin.Close())
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return schema
}

// withSearchPath adds search_path to a URL or key=value DSN; pgx passes it
// to the server as a run-time parameter of every connection.
func withSearchPath(t *testing.T, dsn, schema string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("parsing %s: %v", dsnEnv, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("rand.Read: %v", err)
	}
	return b
}
