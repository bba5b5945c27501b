package main

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cutProxy is a TCP proxy between scopegate and PostgreSQL that a test
// can cut and restore, as a database restart or a network partition
// would: cut closes every open connection and refuses new ones until
// restore. It is deterministic where restarting a real server is not.
type cutProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(c)
	}
}

func (p *cutProxy) pipe(c net.Conn) {
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.conns[c] = struct{}{}
	p.mu.Unlock()
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		p.drop(c)
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		up.Close()
		p.drop(c)
		return
	}
	p.conns[up] = struct{}{}
	p.mu.Unlock()
	go func() { io.Copy(up, c); p.drop(up); p.drop(c) }()
	io.Copy(c, up)
	p.drop(c)
	p.drop(up)
}

func (p *cutProxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// cut closes every connection and refuses new ones.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *cutProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// viaProxy points a PostgreSQL URL DSN at the proxy.
func viaProxy(t *testing.T, dsn string, p *cutProxy) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Skipf("the fault test needs a URL DSN (postgres://host:port/db): %v", err)
	}
	u.Host = p.addr()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return u.String()
}

// pgTarget is the host:port of a URL DSN.
func pgTarget(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Skipf("the fault test needs a URL DSN (postgres://host:port/db): %v", err)
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "5432")
	}
	return u.Host
}

// authorizeOnce asks for a code with a browser that is signed in and has
// consented; it returns the status and, on a redirect to the client, the
// code and verifier.
func (c *cluster) authorizeOnce(b *http.Client) (status int, code, verifier string, err error) {
	verifier = fmt.Sprintf("%043d", time.Now().UnixNano())
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {"photo-printer"}, "redirect_uri": {c.callback},
		"scope": {"photos.read"}, "state": {"state-0123456789"}, "code_challenge_method": {"S256"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}
	res, err := b.Get(c.issuer + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		return 0, "", "", err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if loc, err := res.Location(); err == nil && strings.HasPrefix(loc.String(), c.callback) {
		if code = loc.Query().Get("code"); code == "" {
			return res.StatusCode, "", "", errors.New("redirect to the client without a code: " + loc.Query().Get("error"))
		}
	}
	return res.StatusCode, code, verifier, nil
}

// TestPostgresOutageFailsClosedAndRecovers cuts the connection to
// PostgreSQL under load and restores it (issue 11, "graceful behaviour
// under faults"). While it is away, token requests answer 503
// temporarily_unavailable (never 500, never a token), no code is issued
// and /readyz says 503; once it is back the same process serves again
// without a restart, and codes answered before the cut are redeemed:
// nothing committed is lost.
func TestPostgresOutageFailsClosedAndRecovers(t *testing.T) {
	dsn := postgresDSN(t)
	p := newCutProxy(t, pgTarget(t, dsn))
	c := startCluster(t, 1, storeSection(viaProxy(t, dsn, p)))
	c.code(t, 0) // alice consents once
	b := browser(c.callback)
	if st := c.login(t, b, testPassword); st != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", st)
	}
	type pending struct{ code, verifier string }
	var aside []pending
	for range 5 {
		st, code, v, err := c.authorizeOnce(b)
		if err != nil || code == "" {
			t.Fatalf("authorize before the cut: %d %v", st, err)
		}
		aside = append(aside, pending{code, v})
	}

	const (
		up      = iota
		cutting // between the two: nothing is judged
		down
		back
	)
	var phase atomic.Int32
	var mu sync.Mutex
	outcomes := map[int32]map[string]int{up: {}, cutting: {}, down: {}, back: {}}
	record := func(began int32, what string) {
		if phase.Load() != began {
			return // straddles a change: either answer is right
		}
		mu.Lock()
		outcomes[began][what]++
		mu.Unlock()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				began := phase.Load()
				st, code, v, err := c.authorizeOnce(b)
				switch {
				case err != nil:
					record(began, "authorize error: "+err.Error())
					continue
				case code == "":
					record(began, fmt.Sprintf("authorize %d without a code", st))
					continue
				}
				s, _ := c.exchange(t, 0, code, v)
				record(began, fmt.Sprintf("token %d", s))
			}
		})
	}
	ready := func() int {
		res, err := http.Get(c.admins[0] + "/readyz")
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	time.Sleep(300 * time.Millisecond)
	// A request judged as "down" began after every connection was closed;
	// one that began before straddles the change and is not judged
	// (replies already on the wire at the cut may still arrive).
	phase.Store(cutting)
	p.cut()
	phase.Store(down)
	time.Sleep(300 * time.Millisecond)
	// Token requests for codes answered before the cut: 503, and the code
	// is not spent by it (redeemed after the restore, below).
	for i, a := range aside {
		if st, body := c.exchange(t, 0, a.code, a.verifier); st != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" {
			t.Errorf("code %d redeemed with PostgreSQL away: %d %v; want 503 temporarily_unavailable", i, st, body)
		}
	}
	// A sign-in cannot be counted against the limits: 503, not compared.
	if st := c.login(t, browser(c.callback), testPassword); st != http.StatusServiceUnavailable {
		t.Errorf("sign-in with PostgreSQL away: %d, want 503", st)
	}
	// Nor can a signed-in user's page: 503, not a sign-in form.
	if res, err := b.Get(c.issuer + "/oauth2/account"); err != nil {
		t.Error(err)
	} else {
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("account page of a signed-in user with PostgreSQL away: %d, want 503", res.StatusCode)
		}
	}
	time.Sleep(300 * time.Millisecond)
	readyDown := ready()
	phase.Store(back)
	p.restore()
	restored := time.Now()
	var recovered time.Duration
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := outcomes[back]["token 200"]
		mu.Unlock()
		if n > 0 && ready() == http.StatusOK {
			recovered = time.Since(restored)
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("outcomes by phase (0 up, 1 cutting, 2 down, 3 restored): %v; recovered %v after the restore", outcomes, recovered)

	if recovered == 0 {
		t.Fatal("no token issued within 15s of PostgreSQL coming back; want recovery without a restart")
	}
	if readyDown != http.StatusServiceUnavailable {
		t.Errorf("/readyz with PostgreSQL away: %d, want 503", readyDown)
	}
	for what := range outcomes[up] {
		if what != "token 200" {
			t.Errorf("before the cut: %q; want only tokens", what)
		}
	}
	for what := range outcomes[down] {
		// The authorization endpoint cannot read the session and token
		// requests cannot redeem: both say 503.
		if what != "token 503" && what != "authorize 503 without a code" {
			t.Errorf("with PostgreSQL away: %q; want 503, or no code", what)
		}
	}
	if outcomes[down]["token 200"] > 0 {
		t.Error("a token was issued with PostgreSQL away")
	}
	for i, a := range aside {
		if st, body := c.exchange(t, 0, a.code, a.verifier); st != http.StatusOK {
			t.Errorf("code %d, answered before the cut, redeemed after: %d %v; want 200", i, st, body)
		}
	}
}
