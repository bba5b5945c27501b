package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReadyzWhenStoreFileDeleted: with the SQLite file deleted under a
// running server, reads still succeed from the open file but writes fail;
// /readyz must say so (503) within about a second.
func TestReadyzWhenStoreFileDeleted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, admin := startLimited(t, http.NotFoundHandler(), "", filepath.Join(dir, "scopegate.db"))
	get := func() int {
		resp, err := http.Get(admin + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get(); st != http.StatusOK {
		t.Fatalf("/readyz with a healthy store: %d, want 200", st)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "scopegate.db*"))
	for _, m := range matches {
		if err := os.Remove(m); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for get() != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/readyz still 200 three seconds after the store file was deleted")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
