package authserver

import (
	"context"
	"runtime"
	"time"
)

// hashGate bounds the bcrypt comparisons running at once. Each one costs
// tens of milliseconds of a core, so a flood of wrong passwords or client
// secrets, even one the limiters let through, must not take every core
// from the gateway. A caller that finds the gate and its short queue full
// is refused at once (503 with Retry-After) instead of piling up.
type hashGate struct {
	run   chan struct{} // one slot per comparison running
	queue chan struct{} // one slot per caller waiting or running
	wait  time.Duration // the longest a caller waits for a run slot
}

// Default sizes: as many comparisons as cores, four times that waiting,
// for at most a second.
const hashGateWait = time.Second

func newHashGate(running, queued int, wait time.Duration) *hashGate {
	return &hashGate{run: make(chan struct{}, running), queue: make(chan struct{}, running+queued), wait: wait}
}

func defaultHashGate() *hashGate {
	n := max(runtime.GOMAXPROCS(0), 1)
	return newHashGate(n, 4*n, hashGateWait)
}

// acquire reports whether the caller may run one comparison; it must then
// call release.
func (g *hashGate) acquire(ctx context.Context) bool {
	select {
	case g.queue <- struct{}{}:
	default:
		return false
	}
	select {
	case g.run <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.run <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	<-g.queue
	return false
}

func (g *hashGate) release() {
	<-g.run
	<-g.queue
}
