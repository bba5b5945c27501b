package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// TestConsentsBecomeGrants: consents stored before grants existed become
// live grants with distinct IDs, so existing users keep their remembered
// consent and can still remove the app.
func TestConsentsBecomeGrants(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations[:2] { // the schema before grants
		if err := applyMigration(ctx, conn, SQLite, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, client := range []string{"photo-printer", "mobile-app"} {
		if _, err := conn.ExecContext(ctx, `INSERT INTO consents VALUES ('alice', ?, '["photos.read"]', 1, 2)`, client); err != nil {
			t.Fatal(err)
		}
	}
	if err := Migrate(ctx, conn, SQLite); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	conn.Close()
	s := New(db, SQLite)
	grants, err := s.Grants(ctx, "alice")
	if err != nil || len(grants) != 2 {
		t.Fatalf("Grants after migrating = %+v, %v; want the two consents", grants, err)
	}
	for _, g := range grants {
		if len(g.ID) != 32 || !g.Live() || len(g.Scopes) != 1 {
			t.Errorf("migrated grant %+v; want a 128-bit hex ID, live, with its scope", g)
		}
	}
	if grants[0].ID == grants[1].ID {
		t.Error("migrated grants share an ID")
	}
}
