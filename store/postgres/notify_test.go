package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// waitListening waits until db's LISTEN connection is up and not pid (0:
// any), and returns its server process ID.
func waitListening(t *testing.T, db *DB, not uint32) uint32 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if pid := db.listenerPID.Load(); pid != 0 && pid != not {
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the LISTEN connection did not come up within 10 s")
	return 0
}

func drain(ch chan struct{}) {
	for len(ch) > 0 {
		<-ch
	}
}

func expectHeard(t *testing.T, ch chan struct{}, within time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(within):
		t.Fatalf("%s: not heard within %s", what, within)
	}
}

// TestRevocationNotifyAcrossInstances: a revocation recorded by one
// instance is heard by another sharing the database within a second
// (LISTEN/NOTIFY). When the listening connection is killed on the server
// (pg_terminate_backend), the listener reconnects, wakes its caller once
// for whatever it may have missed, and hears later revocations again.
func TestRevocationNotifyAcrossInstances(t *testing.T) {
	dsn := withSearchPath(t, testDSN(t), freshSchema(t, testDSN(t)))
	a, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan struct{}, 64)
	go a.WatchRevocations(ctx, func() { heard <- struct{}{} })
	pid := waitListening(t, a, 0)
	time.Sleep(50 * time.Millisecond)
	drain(heard)

	revoke := func(id string) {
		t.Helper()
		now := time.Now()
		if err := b.RevokeToken(context.Background(), store.Revocation{GrantID: id, RevokedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	revoke("g1")
	expectHeard(t, heard, time.Second, "revocation on the other instance")
	t.Logf("heard across instances after %s", time.Since(start))

	var killed bool
	if err := b.db.QueryRowContext(context.Background(), `SELECT pg_terminate_backend($1)`, int64(pid)).Scan(&killed); err != nil || !killed {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, killed, err)
	}
	drain(heard)
	revoke("g2") // during the outage: the wake-up after reconnecting covers it
	waitListening(t, a, pid)
	expectHeard(t, heard, 5*time.Second, "wake-up after reconnecting")
	time.Sleep(50 * time.Millisecond)
	drain(heard)
	revoke("g3")
	expectHeard(t, heard, time.Second, "revocation after the reconnection")
}
