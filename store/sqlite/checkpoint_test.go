package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// TestBackgroundCheckpoint writes far fewer pages than SQLite's own
// checkpoint threshold and expects them in the database file anyway,
// copied there by the background checkpointer, with the writes' own calls
// never checkpointing.
func TestBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scopegate.db")
	db := openTemp(t, path)
	ctx := context.Background()
	before := fileSize(t, path)
	now := time.Now().UTC()
	for i := range 300 {
		err := db.CreateRefreshToken(ctx, store.RefreshToken{
			ID: fmt.Sprintf("%064d", i), GrantID: "g", ClientID: "c", Subject: "alice", Scopes: []string{"photos.read"},
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour), FamilyExpiresAt: now.Add(time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for fileSize(t, path) == before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes 5s after 300 writes: nothing checkpointed the WAL", before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
