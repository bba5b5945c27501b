package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestKillDuringTokenIssuance runs the built binary, redeems codes from
// several clients at once, and kills the process with SIGKILL while
// tokens are being issued (issue 11). After a restart on the same store,
// everything that was answered holds: every access token answered still
// passes the gateway (its signing key was stored before it signed), and
// every code answered with a token stays spent (its redemption was
// committed before the answer), so replaying it is invalid_grant rather
// than a second token.
func TestKillDuringTokenIssuance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the scopegate binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "scopegate")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	backend := &recorder{}
	ts := newBackend(t, backend)
	addr, admin := freeLoopbackAddr(t), freeLoopbackAddr(t)
	issuer := "http://" + addr
	cfg := clusterConfig(addr, issuer, fmt.Sprintf("  driver: sqlite\n  dsn: %q\n", filepath.Join(dir, "scopegate.db")), ts, hash)
	cfg = replaceOnce(t, cfg, `admin_listen: "127.0.0.1:0"`, fmt.Sprintf("admin_listen: %q", admin))
	path := filepath.Join(dir, "scopegate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &cluster{issuer: issuer, instances: []string{issuer}, callback: "http://127.0.0.1:7/callback"}

	proc := startBinary(t, bin, path, "http://"+admin)
	c.code(t, 0) // alice consents once
	b := browser(c.callback)
	if st := c.login(t, b, testPassword); st != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", st)
	}
	type issued struct{ code, verifier, token string }
	var codes []issued
	for range 60 {
		st, code, v, err := c.authorizeOnce(b)
		if err != nil || code == "" {
			t.Fatalf("authorize: %d %v", st, err)
		}
		codes = append(codes, issued{code: code, verifier: v})
	}

	// Four clients redeem at once; the process dies after the tenth answer.
	var mu sync.Mutex
	var answered []issued
	next := make(chan issued)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for it := range next {
				st, body := c.exchangeQuiet(0, it.code, it.verifier)
				if st != http.StatusOK {
					continue // killed mid-request: not answered
				}
				it.token, _ = body["access_token"].(string)
				mu.Lock()
				answered = append(answered, it)
				if len(answered) == 10 {
					proc.Process.Signal(syscall.SIGKILL)
				}
				mu.Unlock()
			}
		})
	}
	for _, it := range codes {
		next <- it
	}
	close(next)
	wg.Wait()
	proc.Wait()
	if len(answered) < 10 || len(answered) == len(codes) {
		t.Fatalf("%d of %d codes answered; want the kill to land mid-run", len(answered), len(codes))
	}
	t.Logf("%d of %d redemptions answered before SIGKILL", len(answered), len(codes))

	startBinary(t, bin, path, "http://"+admin)
	for i, it := range answered {
		if st := c.get(t, 0, "/photos/42", it.token); st != http.StatusOK {
			t.Errorf("answered token %d after the restart: gateway says %d, want 200", i, st)
		}
		if st, body := c.exchangeQuiet(0, it.code, it.verifier); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("answered code %d replayed after the restart: %d %v; want 400 invalid_grant (its redemption was lost)", i, st, body)
		}
	}
}

// startBinary runs "scopegate serve" until the test ends and waits for
// its readiness on admin.
func startBinary(t *testing.T, bin, config, admin string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "-config", config)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if res, err := http.Get(admin + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("scopegate did not become ready within 30s")
	return nil
}
