package authserver

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// countBcrypt makes every bcrypt comparison of env's server take at least
// cost, as a real password hash does, and counts them.
func countBcrypt(env *testEnv, cost time.Duration) *atomic.Int64 {
	var n atomic.Int64
	real := env.srv.bcryptCompare
	env.srv.bcryptCompare = func(hash, pw []byte) error {
		n.Add(1)
		time.Sleep(cost)
		return real(hash, pw)
	}
	return &n
}

// flood sends n requests at once through c and returns the statuses seen.
func flood(t *testing.T, c *http.Client, n int, newReq func() *http.Request) map[int]int {
	t.Helper()
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		wg       sync.WaitGroup
		start    = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-start
			resp, err := c.Do(newReq())
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
	close(start)
	wg.Wait()
	return statuses
}

// TestLoginFloodFromOneAddress: 300 concurrent wrong passwords from one
// address run at most the per-pair limit of bcrypt comparisons (each
// attempt is counted before its hash, not after), and alice still signs in
// from another address afterwards.
func TestLoginFloodFromOneAddress(t *testing.T) {
	env := newTestServer(t, nil)
	runs := countBcrypt(env, 20*time.Millisecond)
	b := newBrowser(t, env)
	p := b.follow(b.get(loginURL(env)))
	f, ok := findForm(p.body, "/oauth2/login")
	if !ok {
		t.Fatal("no login form")
	}
	f.fields.Set("username", "alice")
	f.fields.Set("password", "wrong")
	body := f.fields.Encode()
	statuses := flood(t, b.c, 300, func() *http.Request {
		req, _ := http.NewRequest(http.MethodPost, b.abs(f.action), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	})
	if got := runs.Load(); got > 5 {
		t.Errorf("300 concurrent wrong passwords ran bcrypt %d times, want at most 5 (statuses %v)", got, statuses)
	}
	for st, n := range statuses {
		if st != http.StatusUnauthorized && st != http.StatusTooManyRequests && st != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d", n, st)
		}
	}
	elsewhere := newBrowserFrom(t, env, "127.0.0.2")
	p = elsewhere.follow(elsewhere.get(loginURL(env)))
	p = elsewhere.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if p.status != http.StatusSeeOther {
		t.Errorf("alice from another address after the flood: status %d, want 303", p.status)
	}
}

// TestClientSecretFloodFromOneAddress: the same on the token endpoint for
// a client with a bcrypt secret_hash.
func TestClientSecretFloodFromOneAddress(t *testing.T) {
	env := newTestServer(t, nil)
	runs := countBcrypt(env, 20*time.Millisecond)
	body := url.Values{"grant_type": {"client_credentials"}}.Encode()
	statuses := flood(t, env.ts.Client(), 300, func() *http.Request {
		req, _ := http.NewRequest(http.MethodPost, env.ts.URL+"/oauth2/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("hashed-job", "guess")
		return req
	})
	if got := runs.Load(); got > 20 {
		t.Errorf("300 concurrent wrong secrets ran bcrypt %d times, want at most 20 (statuses %v)", got, statuses)
	}
	cc := url.Values{"grant_type": {"client_credentials"}}
	if res := env.callToken(t, tokenCall{form: cc, basic: []string{"hashed-job", hashedSecret}, from: "127.0.0.2"}); res.status != http.StatusOK {
		t.Errorf("right secret from another address after the flood: status %d, want 200", res.status)
	}
}

// TestHashGateBusy: when every hashing slot is taken, a login from another
// address is refused at once with 503 and Retry-After rather than queued
// without bound, and so is a token request; neither counts as a failure.
func TestHashGateBusy(t *testing.T) {
	env := newTestServer(t, nil)
	env.srv.hashes = newHashGate(1, 0, 10*time.Millisecond)
	inside, leave := make(chan struct{}), make(chan struct{})
	real := env.srv.bcryptCompare
	env.srv.bcryptCompare = func(hash, pw []byte) error {
		close(inside)
		<-leave
		return real(hash, pw)
	}
	slow := newBrowserFrom(t, env, "127.0.0.3")
	p := slow.follow(slow.get(loginURL(env)))
	done := make(chan *page)
	go func() {
		f, _ := findForm(p.body, "/oauth2/login")
		f.fields.Set("username", "bob")
		f.fields.Set("password", "wrong")
		req, _ := http.NewRequest(http.MethodPost, slow.abs(f.action), strings.NewReader(f.fields.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := slow.c.Do(req)
		if err == nil {
			resp.Body.Close()
			done <- &page{status: resp.StatusCode}
			return
		}
		done <- &page{}
	}()
	<-inside

	b := newBrowserFrom(t, env, "127.0.0.4")
	p = b.follow(b.get(loginURL(env)))
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {alicePassword}})
	if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") == "" {
		t.Errorf("login while hashing is saturated: status %d Retry-After %q, want 503 with Retry-After", p.status, p.header.Get("Retry-After"))
	}
	res := env.callToken(t, tokenCall{form: url.Values{"grant_type": {"client_credentials"}}, basic: []string{"hashed-job", hashedSecret}})
	if res.status != http.StatusServiceUnavailable || res.json["error"] != "temporarily_unavailable" || res.header.Get("Retry-After") == "" {
		t.Errorf("token request while hashing is saturated: status %d body %v, want 503 temporarily_unavailable with Retry-After", res.status, res.json)
	}
	close(leave)
	if st := (<-done).status; st != http.StatusUnauthorized {
		t.Errorf("the slow wrong login: status %d, want 401", st)
	}
	if n := len(env.srv.logins.m); n != 1 {
		t.Errorf("%d login limiter keys after one failure and one busy refusal, want 1", n)
	}
}

// TestPasswordOver72Bytes: bcrypt ignores what follows the 72nd byte, so
// alice's password with anything appended must not sign in; the answer is
// that of a wrong password, and no hash is run for it.
func TestPasswordOver72Bytes(t *testing.T) {
	long := strings.Repeat("p", 72)
	env := newTestServer(t, func(c *Config) {
		h, err := bcrypt.GenerateFromPassword([]byte(long), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		c.Users[0].PasswordHash = string(h)
	})
	runs := countBcrypt(env, 0)
	b := newBrowser(t, env)
	p := b.follow(b.get(loginURL(env)))
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {long + "anything"}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, msgBadLogin) {
		t.Errorf("73+ byte password sharing the first 72 bytes: status %d, want 401 with %q", p.status, msgBadLogin)
	}
	if n := runs.Load(); n != 0 {
		t.Errorf("%d bcrypt runs for an over-long password, want 0", n)
	}
	p = b.submit(p, "/oauth2/login", url.Values{"username": {"alice"}, "password": {long}})
	if p.status != http.StatusSeeOther {
		t.Errorf("the 72-byte password itself: status %d, want 303", p.status)
	}
}
