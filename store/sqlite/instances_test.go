package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// TestInstancesShareFile opens one file twice, as two processes on a host
// would, and races redemptions of one code across both: the file's locking,
// not a mutex in this process, must let exactly one win.
func TestInstancesShareFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scopegate.db")
	a, b := openTemp(t, path), openTemp(t, path)
	now := time.Now()
	for round := range 5 {
		id := fmt.Sprintf("code-%d", round)
		if err := a.CreateAuthCode(ctx, store.AuthCode{ID: id, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
			t.Fatalf("CreateAuthCode: %v", err)
		}
		const n = 8
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			db := a
			if i%2 == 1 {
				db = b
			}
			wg.Go(func() {
				<-start
				_, errs[i] = db.RedeemAuthCode(ctx, id, now)
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("round %d, caller %d: RedeemAuthCode: %v; want nil or ErrConflict", round, i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d of %d callers redeemed the code; want exactly 1", round, wins, n)
		}
	}

	sa, err := a.Secret(ctx, "cookie", func() ([]byte, error) { return []byte("from a"), nil })
	if err != nil {
		t.Fatalf("Secret on a: %v", err)
	}
	sb, err := b.Secret(ctx, "cookie", func() ([]byte, error) { return []byte("from b"), nil })
	if err != nil || string(sb) != string(sa) {
		t.Fatalf("Secret on b = %q, %v; want a's value %q", sb, err, sa)
	}
}
