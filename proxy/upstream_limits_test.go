package proxy_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/proxy"
)

// countingUpstream is an upstream that counts the connections it accepts
// and runs h; h may block until the test ends, when release is closed.
func countingUpstream(t *testing.T, release chan struct{}, h http.HandlerFunc) (srv *httptest.Server, conns *atomic.Int64) {
	t.Helper()
	conns = new(atomic.Int64)
	srv = httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(func() { close(release); srv.CloseClientConnections(); srv.Close() })
	return srv, conns
}

// TestHangingUpstreamHoldsOnlyItsSlots: against an upstream that never
// answers, the gateway opens at most max_connections to it, and every
// request is answered (504 for those that got a connection, 503 for those
// that waited for one) within about the upstream timeout.
func TestHangingUpstreamHoldsOnlyItsSlots(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	up, conns := countingUpstream(t, release, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	e := newEnv(t, func(c *proxy.Config) {
		c.Upstreams = map[string]proxy.Upstream{"photos": {URL: mustURL(t, up.URL), Timeout: 300 * time.Millisecond, MaxConnections: 2}}
	})
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 20 {
		wg.Go(func() {
			c := &http.Client{Timeout: 5 * time.Second}
			resp, err := c.Get(e.front.URL + "/status")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				statuses[-1]++
				return
			}
			resp.Body.Close()
			statuses[resp.StatusCode]++
		})
	}
	// Before the first upstream timeout, every request has arrived and
	// only two may have a connection.
	time.Sleep(150 * time.Millisecond)
	if n := conns.Load(); n > 2 {
		t.Errorf("the gateway opened %d connections at once to a hanging upstream, want at most 2", n)
	}
	wg.Wait()
	if statuses[-1] > 0 || statuses[http.StatusOK] > 0 {
		t.Errorf("statuses %v, want only 503 and 504", statuses)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("20 requests to a hanging upstream took %s", d)
	}
}

// TestStalledUpstreamBodyIsCut: an upstream that sends the head of an
// answer and then nothing loses the connection after its stall timeout,
// and the client's answer ends (cut short) instead of hanging.
func TestStalledUpstreamBodyIsCut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	up, _ := countingUpstream(t, release, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("start"))
		w.(http.Flusher).Flush()
		<-release
	})
	e := newEnv(t, func(c *proxy.Config) {
		c.Upstreams = map[string]proxy.Upstream{"photos": {URL: mustURL(t, up.URL), Timeout: 200 * time.Millisecond, StallTimeout: 500 * time.Millisecond}}
	})
	// The head may never reach the client (the gateway had buffered it
	// when the upstream stalled); either way the exchange must end.
	c := &http.Client{Timeout: 5 * time.Second}
	start := time.Now()
	resp, err := c.Get(e.front.URL + "/status")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Error("a cut-short answer was read as complete")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the stalled answer ended after %s (%v)", d, err)
	}
}

// TestNonReadingClientFreesUpstream: a client that asks for a large answer
// and reads none of it is cut off after the body idle timeout, and the
// upstream's write fails instead of blocking forever.
func TestNonReadingClientFreesUpstream(t *testing.T) {
	t.Parallel()
	done := make(chan error, 1)
	up, _ := countingUpstream(t, make(chan struct{}), func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 64<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				done <- err
				return
			}
		}
	})
	e := newEnv(t, func(c *proxy.Config) {
		c.Upstreams = map[string]proxy.Upstream{"photos": {URL: mustURL(t, up.URL)}}
		c.BodyIdleTimeout = 300 * time.Millisecond
	})
	conn, err := net.Dial("tcp", e.front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(4 << 10) // fill up quickly
	}
	fmt.Fprintf(conn, "GET /status HTTP/1.1\r\nHost: gw.example\r\n\r\n")
	_, _ = bufio.NewReader(conn).Peek(1) // the answer started; read no more
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("the upstream was still writing to a client that reads nothing after 5s")
	}
}
