package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// TestLockedFileFailsFast (issue 12, finding 4): while another connection
// holds the write lock, a write fails with store.ErrUnavailable at the
// store's deadline rather than after SQLite's 10 s busy timeout.
func TestLockedFileFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scopegate.db")
	const timeout = 200 * time.Millisecond
	db, err := OpenWith(context.Background(), path, timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := sql.Open("sqlite", path+"?"+connParams)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin() // _txlock=immediate: takes the write lock now
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	now := time.Now()
	start := time.Now()
	err = db.CreateAuthCode(context.Background(), store.AuthCode{ID: "c1", CreatedAt: now, ExpiresAt: now.Add(time.Minute)})
	took := time.Since(start)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("CreateAuthCode while locked = %v; want ErrUnavailable", err)
	}
	if took > timeout+time.Second {
		t.Errorf("CreateAuthCode took %v; want about the %v deadline", took, timeout)
	}
}
