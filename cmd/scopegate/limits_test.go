package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/config"
)

// startLimited runs serve() with a small connection cap and short body
// timeouts in front of backend, and returns the public and admin base URLs.
// dbPath, if given, is where the SQLite store goes.
func startLimited(t *testing.T, backend http.Handler, serverExtra string, dbPath ...string) (public, admin string) {
	t.Helper()
	db := t.TempDir() + "/scopegate.db"
	if len(dbPath) > 0 {
		db = dbPath[0]
	}
	up := httptest.NewServer(backend)
	t.Cleanup(up.Close)
	addr := freeLoopbackAddr(t)
	yaml := fmt.Sprintf(`server:
  listen: %q
  admin_listen: "127.0.0.1:0"
%s
store:
  driver: sqlite
  dsn: %q
authserver:
  issuer: "http://%s"
gateway:
  upstreams:
    files:
      url: %q
  routes:
    - route: "POST /upload"
      upstream: files
      public: true
`, addr, serverExtra, db, addr, up.URL)
	f, err := config.Parse("limits.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, f, serveOptions{logger: zap.NewNop(), started: func(_, a net.Addr) { started <- a }})
	}()
	select {
	case a := <-started:
		admin = "http://" + a.String()
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + addr, admin
}

// stallingRequest opens a connection, sends the head of a request and part
// of its body, and sends nothing more.
func stallingRequest(t *testing.T, base, method, path string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=", method, path, strings.TrimPrefix(base, "http://"))
	return c
}

// closedWithin reports whether the server ends c within d (after at most
// an error answer).
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return err == nil || !(errorsAs(err, &ne) && ne.Timeout())
}

func errorsAs(err error, target *net.Error) bool {
	ne, ok := err.(net.Error)
	if ok {
		*target = ne
	}
	return ok
}

// TestSlowBodiesDoNotHoldTheServer: with the public listener full of
// clients trickling token request bodies, the admin port still answers at
// once, the slow clients are cut off after server.read_timeout, and a
// valid request is then served.
func TestSlowBodiesDoNotHoldTheServer(t *testing.T) {
	t.Parallel()
	public, admin := startLimited(t, http.NotFoundHandler(), "  max_connections: 4\n  read_timeout: 1s\n  body_idle_timeout: 1s")
	var slow []net.Conn
	for range 4 {
		slow = append(slow, stallingRequest(t, public, "POST", "/oauth2/token"))
	}
	time.Sleep(100 * time.Millisecond) // let the server accept them all

	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(admin + "/healthz")
	if err != nil {
		t.Fatalf("admin /healthz with the public listener full: %v", err)
	}
	resp.Body.Close()

	c.Timeout = 8 * time.Second
	resp, err = c.Get(public + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("valid request behind 4 slow bodies: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("valid request: status %d, want 200", resp.StatusCode)
	}
	for i, s := range slow {
		if !closedWithin(s, 3*time.Second) {
			t.Errorf("slow body %d still open after 3s", i)
		}
	}
}

// TestGatewayUploadIdleTimeout: an upload that stalls is cut off after
// server.body_idle_timeout and its upstream request ends, while an upload
// that keeps sending, for longer than that in total, goes through.
func TestGatewayUploadIdleTimeout(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 4)
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		ended <- err
		fmt.Fprintf(w, "%d", n)
	})
	public, _ := startLimited(t, backend, "  read_timeout: 1s\n  body_idle_timeout: 500ms")

	stalled := stallingRequest(t, public, "POST", "/upload")
	if !closedWithin(stalled, 3*time.Second) {
		t.Error("stalled upload still open after 3s")
	}
	select {
	case err := <-ended:
		if err == nil {
			t.Error("the upstream read the stalled upload to its end")
		}
	case <-time.After(3 * time.Second):
		t.Error("the upstream request of the stalled upload never ended")
	}

	// 8 chunks, 200ms apart: 1.6s in all, never 500ms without progress.
	pr, pw := io.Pipe()
	go func() {
		for range 8 {
			time.Sleep(200 * time.Millisecond)
			pw.Write([]byte(strings.Repeat("x", 1000)))
		}
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, public+"/upload", pr)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slow but steady upload: %v", err)
	}
	body, _ := io.ReadAll(bufio.NewReader(resp.Body))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "8000" {
		t.Errorf("slow but steady upload: status %d body %q, want 200 8000", resp.StatusCode, body)
	}
}
