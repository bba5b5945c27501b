package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/scopegate/scopegate/internal/benchdata"
)

func listenLoopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// freeAddr reserves a loopback port for a child that must know its own
// address up front (the issuer URL names it).
func freeAddr() (string, error) {
	ln, err := listenLoopback()
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startBackend is the API both proxies forward to: a small JSON answer,
// like a photo's metadata, and at /picked the list of benchdata.PhotoList.
func startBackend() (*httptest.Server, error) {
	body := []byte(`{"id":"42","title":"Sunset over the bay","taken_at":"2026-08-01T19:12:00Z","width":4032,"height":3024}`)
	list := benchdata.PhotoList()
	length := strconv.Itoa(len(list))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/picked" {
			w.Header().Set("Content-Length", length)
			w.Write(list)
			return
		}
		w.Write(body)
	}))
	return srv, nil
}

type child struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{} // closed when the process has exited
}

// watch starts the one goroutine that waits for cmd.
func watch(cmd *exec.Cmd, url string) *child {
	c := &child{cmd: cmd, url: url, done: make(chan struct{})}
	go func() { cmd.Wait(); close(c.done) }()
	return c
}

func (c *child) stop() {
	c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
}

// pinned prefixes a command so that it runs on CPU 0 with GOMAXPROCS=1.
func pinned(pin bool, name string, args ...string) (string, []string, []string) {
	if !pin {
		return name, args, nil
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return name, args, []string{"GOMAXPROCS=1"}
	}
	return "taskset", append([]string{"-c", "0", name}, args...), []string{"GOMAXPROCS=1"}
}

// startChild runs a child that prints its listen address as its first
// stdout line.
func startChild(ctx context.Context, pin bool, name string, args ...string) (*child, error) {
	return startChildIn(ctx, pin, "", os.Environ(), name, args...)
}

// startChildIn is startChild with a working directory and a base
// environment.
func startChildIn(ctx context.Context, pin bool, dir string, baseEnv []string, name string, args ...string) (*child, error) {
	name, args, env := pinned(pin, name, args...)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(baseEnv, env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("reading child address: %w", err)
	}
	return watch(cmd, "http://"+strings.TrimSpace(line)), nil
}

// scopegate is the running binary under test.
type scopegate struct {
	*child
	issuer       string
	clientSecret string
	admin        string // admin base URL: /readyz, /metrics
	configPath   string // the file serve reloads
	dbPath       string // its SQLite store
	config       string // its first content
}

const (
	benchClient   = "bench-client"
	benchSecret   = "bench-secret-0123456789abcdef"
	benchUser     = "alice"
	benchPassword = "alice-bench-password"
	benchFlowApp  = "bench-app"
	// benchFlowAppES256 is bench-app with ES256 ID tokens.
	benchFlowAppES256 = "bench-app-es256"
	benchRedirect     = "http://127.0.0.1:1/callback"
)

// passwordCost is the bcrypt cost of the bench user's password (flag
// -password-cost). Cost 4 keeps the code-flow phases about the server,
// not about bcrypt, whose cost the operator chooses.
var passwordCost = 4

func startScopegate(ctx context.Context, dir, binary, backend string, pin bool) (*scopegate, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	admin, err := freeAddr()
	if err != nil {
		return nil, err
	}
	// Client secrets are hashed with the default cost (a secret that
	// passed once is not hashed again); the password with passwordCost.
	pw, err := bcrypt.GenerateFromPassword([]byte(benchPassword), passwordCost)
	if err != nil {
		return nil, err
	}
	secretHash, err := bcrypt.GenerateFromPassword([]byte(benchSecret), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	issuer := "http://" + addr
	dbPath := filepath.Join(dir, "bench.db")
	cfg := fmt.Sprintf(`server:
  listen: %q
  admin_listen: %q
log:
  level: warn
  access: false
store:
  driver: sqlite
  dsn: %q
authserver:
  issuer: %q
  users:
    - username: %s
      password_hash: %q
  clients:
    - id: %s
      secret_hash: %q
      grant_types: [client_credentials]
      scopes: [photos.read]
    - id: %s
      secret_hash: %q
      redirect_uris: [%q]
      grant_types: [authorization_code, refresh_token]
      scopes: [photos.read, picked.read]
    # The same app asking for ES256 ID tokens: the code flows with it
    # against those with the RS256 default show what RSA signing costs.
    - id: %s
      secret_hash: %q
      redirect_uris: [%q]
      grant_types: [authorization_code]
      scopes: [photos.read]
      id_token_signed_response_alg: ES256
  scopes:
    photos.read: See your photos
    picked.read: See the photos you pick
  # -picked: picked.read is narrowed to the photos ticked on the consent
  # page; photos.read, which the other phases use, is not.
  resources:
    photos:
      scopes: [picked.read]
      list: {upstream: photos, path: /picked, items: photos, id: id, label: title}
      max_items: 200
gateway:
  upstreams:
    photos:
      url: %q
  routes:
    - route: "GET /photos/{id}"
      upstream: photos
      scopes: [photos.read]
    - route: "GET /picked/{id}"
      upstream: photos
      scopes: [picked.read]
      resource: {type: photos, id: "{id}"}
    - route: "GET /picked"
      upstream: photos
      scopes: [picked.read]
      filter: {type: photos, items: photos, id: id}
`, addr, admin, dbPath, issuer, benchUser, pw, benchClient, secretHash, benchFlowApp, secretHash, benchRedirect,
		benchFlowAppES256, secretHash, benchRedirect, backend)
	path := filepath.Join(dir, "scopegate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	name, args, env := pinned(pin, binary, "serve", "--config", path)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sg := &scopegate{child: watch(cmd, issuer), issuer: issuer, clientSecret: benchSecret,
		admin: "http://" + admin, configPath: path, config: cfg, dbPath: dbPath}
	if err := waitReady("http://"+admin+"/readyz", 30*time.Second, sg.done); err != nil {
		sg.stop()
		return nil, err
	}
	return sg, nil
}

// waitReady polls url until it answers 200, the process behind it exits
// (exited is closed), or limit has passed.
func waitReady(url string, limit time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("exited before %s answered", url)
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s", url, limit)
}

// clientCredentialsToken fetches one access token from a token endpoint.
func clientCredentialsToken(client *http.Client, tokenURL string) (string, error) {
	req, err := http.NewRequest("POST", tokenURL, strings.NewReader("grant_type=client_credentials&scope=photos.read"))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(benchClient, benchSecret)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return "", fmt.Errorf("token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return "", fmt.Errorf("token endpoint answered %d %s", resp.StatusCode, body.Error)
	}
	return body.AccessToken, nil
}
