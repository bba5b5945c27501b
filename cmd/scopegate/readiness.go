package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/scopegate/scopegate/store"
)

// Readiness probe timings: one store write at most every probeCacheTTL,
// however often the probe is polled, each bounded by probeTimeout.
const (
	probeCacheTTL = time.Second
	probeTimeout  = 2 * time.Second
)

// storeProbe checks that the store takes writes, not only reads: a
// deleted SQLite file or a read-only database still answers reads from
// what is open, while every login and token would fail.
type storeProbe struct {
	st       store.Store
	instance string // the heartbeat row of this process

	mu      sync.Mutex
	checked time.Time
	err     error
}

func newStoreProbe(st store.Store) *storeProbe {
	host, _ := os.Hostname()
	return &storeProbe{st: st, instance: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])}
}

// check writes a heartbeat, or returns the result of one written within
// probeCacheTTL.
func (p *storeProbe) check(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.checked.IsZero() && time.Since(p.checked) < probeCacheTTL {
		return p.err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	p.err = p.st.Heartbeat(ctx, p.instance, time.Now())
	p.checked = time.Now()
	return p.err
}
