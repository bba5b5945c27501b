package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// testHeartbeat: beating creates the row, beating again replaces it, and a
// cancelled context is an error rather than a silent success.
func testHeartbeat(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := range 3 {
		if err := s.Heartbeat(ctx, "instance-a", base.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatalf("Heartbeat %d = %v", i, err)
		}
	}
	if err := s.Heartbeat(ctx, "instance-b", base); err != nil {
		t.Fatalf("Heartbeat of a second instance = %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Heartbeat(cancelled, "instance-a", base); err == nil {
		t.Error("Heartbeat with a cancelled context = nil; want an error")
	}
}
