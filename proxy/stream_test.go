package proxy_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// gatedReader yields size bytes; after the first chunk it waits until
// gate is closed, so the body cannot be complete before the backend has
// seen its start.
type gatedReader struct {
	size, sent int64
	gate       <-chan struct{}
	timeout    <-chan time.Time
	timedOut   bool
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if g.sent >= g.size {
		return 0, io.EOF
	}
	if g.sent > 0 && g.gate != nil {
		select {
		case <-g.gate:
		case <-g.timeout:
			g.timedOut = true
			return 0, fmt.Errorf("backend saw nothing while the client was still sending")
		}
		g.gate = nil
	}
	n := int64(len(p))
	if n > g.size-g.sent {
		n = g.size - g.sent
	}
	clear(p[:n])
	g.sent += n
	return int(n), nil
}

// TestStreamingUpload: a large upload reaches the backend while the
// client is still sending, and the gateway's heap stays flat (1 GiB, or
// 64 MiB with -short).
func TestStreamingUpload(t *testing.T) {
	size := int64(1 << 30)
	if testing.Short() {
		size = 64 << 20
	}
	e := newEnv(t, nil)
	firstBytes := make(chan struct{})
	e.back.setHandler(func(w http.ResponseWriter, r *http.Request) {
		var one [1]byte
		if _, err := io.ReadFull(r.Body, one[:]); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		close(firstBytes)
		n, _ := io.Copy(io.Discard, r.Body)
		io.WriteString(w, strconv.FormatInt(n+1, 10))
	})

	var peak atomic.Uint64
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()

	body := &gatedReader{size: size, gate: firstBytes, timeout: time.After(30 * time.Second)}
	req, _ := http.NewRequest("POST", e.front.URL+"/upload", body)
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+e.token("photos.write"))
	res, err := e.front.Client().Do(req)
	if err != nil {
		t.Fatalf("upload: %v (timed out waiting for backend: %v)", err, body.timedOut)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || string(got) != strconv.FormatInt(size, 10) {
		t.Fatalf("upload: status %d, backend counted %q bytes; want 200 and %d", res.StatusCode, got, size)
	}
	if grew := int64(peak.Load()) - int64(base); grew > 48<<20 {
		t.Errorf("heap in use grew by %d MiB during a %d MiB upload; want under 48 MiB (no buffering)", grew>>20, size>>20)
	}
}

// TestStreamingDownload: the client gets the first part of a response
// before the backend has written the rest.
func TestStreamingDownload(t *testing.T) {
	e := newEnv(t, nil)
	clientGotFirst := make(chan struct{})
	e.back.setHandler(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first chunk\n")
		http.NewResponseController(w).Flush()
		select {
		case <-clientGotFirst:
			io.WriteString(w, "rest\n")
		case <-time.After(10 * time.Second):
			io.WriteString(w, "timed out\n")
		}
	})
	req, _ := http.NewRequest("GET", e.front.URL+"/download", nil)
	req.Header.Set("Authorization", "Bearer "+e.token("photos.read"))
	res, err := e.front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first chunk\n" {
		t.Fatalf("first line = %q, %v; want %q", line, err, "first chunk\n")
	}
	close(clientGotFirst)
	if rest, _ := io.ReadAll(br); string(rest) != "rest\n" {
		t.Errorf("rest = %q; want %q (the gateway held the first chunk back)", rest, "rest\n")
	}
}

// TestWebSocketThroughProtectedRoute: an upgrade with a valid token is
// proxied both ways; without one it is refused before any upgrade.
func TestWebSocketThroughProtectedRoute(t *testing.T) {
	e := newEnv(t, nil)
	echo := websocket.Handler(func(ws *websocket.Conn) { io.Copy(ws, ws) })
	e.back.setHandler(echo.ServeHTTP)

	wsURL := "ws" + e.front.URL[len("http"):] + "/ws"
	cfg, err := websocket.NewConfig(wsURL, e.front.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Header.Set("Authorization", "Bearer "+e.token("photos.read"))
	ws, err := websocket.DialConfig(cfg)
	if err != nil {
		t.Fatalf("dial with token: %v", err)
	}
	defer ws.Close()
	for _, msg := range []string{"hello", "photos"} {
		if err := websocket.Message.Send(ws, msg); err != nil {
			t.Fatalf("send: %v", err)
		}
		var got string
		if err := websocket.Message.Receive(ws, &got); err != nil || got != msg {
			t.Fatalf("echo = %q, %v; want %q", got, err, msg)
		}
	}
	if h := e.back.requests()[0].Header; h.Get("X-Auth-Subject") != "alice" || h.Get("Authorization") != "" {
		t.Errorf("backend upgrade headers: X-Auth-Subject %q, Authorization %q; want alice and none", h.Get("X-Auth-Subject"), h.Get("Authorization"))
	}

	// Without a token: 401, and the backend never sees the upgrade.
	before := len(e.back.requests())
	conn, err := net.Dial("tcp", e.front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 401 {
		t.Errorf("upgrade without token: status = %d; want 401", res.StatusCode)
	}
	if n := len(e.back.requests()) - before; n != 0 {
		t.Errorf("backend got %d requests; want 0", n)
	}
}
