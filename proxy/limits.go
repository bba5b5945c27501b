package proxy

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Per-upstream defaults (Upstream fields left zero).
const (
	// DefaultMaxConnections bounds the requests in flight to one upstream,
	// and so its open connections.
	DefaultMaxConnections = 256
	// DefaultStallTimeout is the longest a connection to an upstream may
	// go without a byte read or written: nginx's proxy_read_timeout is 60s
	// too. WebSockets that stay silent longer need pings or a higher value.
	DefaultStallTimeout = 60 * time.Second
)

// slots bounds the requests in flight to one upstream. A request waits at
// most wait for a slot and is then refused with 503, so an upstream that
// hangs holds at most its own slots, never the whole gateway.
type slots struct {
	c    chan struct{}
	wait time.Duration
}

func newSlots(n int, wait time.Duration) *slots {
	return &slots{c: make(chan struct{}, n), wait: wait}
}

func (s *slots) acquire(ctx context.Context) bool {
	select {
	case s.c <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(s.wait)
	defer t.Stop()
	select {
	case s.c <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (s *slots) release() { <-s.c }

// stallDialer wraps the upstream connections it dials so that each read
// and write pushes the connection's deadline stall into the future: an
// upstream that stops sending mid-answer, or stops reading an upload,
// loses the connection instead of holding it and the client's forever.
// Idle pooled connections are closed after stall as well.
func stallDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error), stall time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &stallConn{Conn: c, stall: stall}, nil
	}
}

type stallConn struct {
	net.Conn
	stall        time.Duration
	rDead, wDead atomic.Int64 // the deadlines last set, Unix nanoseconds
}

func (c *stallConn) Read(p []byte) (int, error) {
	if d, ok := c.next(&c.rDead); ok {
		_ = c.Conn.SetReadDeadline(d)
	}
	return c.Conn.Read(p)
}

func (c *stallConn) Write(p []byte) (int, error) {
	if d, ok := c.next(&c.wDead); ok {
		_ = c.Conn.SetWriteDeadline(d)
	}
	return c.Conn.Write(p)
}

// next returns a new deadline when a quarter of the allowance since the
// last one is used up; moving it on every call would cost a timer update
// per read.
func (c *stallConn) next(last *atomic.Int64) (time.Time, bool) {
	now := time.Now()
	if time.Unix(0, last.Load()).Sub(now) >= c.stall*3/4 {
		return time.Time{}, false
	}
	d := now.Add(c.stall)
	last.Store(d.UnixNano())
	return d, true
}

// limitTransport applies an upstream's connection limits to its own
// transport: at most max connections, and as many kept idle, so that a
// steady load reuses connections instead of closing the ones above a small
// idle pool (each closed one lingers in TIME_WAIT).
func limitTransport(t *http.Transport, max, idle int, stall time.Duration) {
	t.MaxConnsPerHost = max
	t.MaxIdleConnsPerHost = idle
	t.MaxIdleConns = idle
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	t.DialContext = stallDialer(dial, stall)
}
