package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

func main() {
	mode := flag.String("mode", "", "internal: \"bare\" runs the bare reverse proxy child process")
	upstream := flag.String("upstream", "", "internal: upstream URL for -mode bare")
	binary := flag.String("scopegate", "", "scopegate binary to measure (default: go build ./cmd/scopegate)")
	duration := flag.Duration("duration", 10*time.Second, "how long each load phase runs")
	conns := flag.Int("connections", 32, "concurrent keep-alive connections")
	rounds := flag.Int("rounds", 3, "gateway rounds: each runs the bare proxy and both gateway phases in turn; the median round is shown")
	gateway := flag.Bool("gateway", true, "measure the gateway against the bare proxy; -gateway=false measures only the authorization servers")
	authServer := flag.Bool("authserver", true, "measure the authorization servers; -authserver=false measures only the gateway against the bare proxy")
	onlyReload := flag.Bool("reload", false, "measure only the gateway while its config is reloaded every second, against the same load without reloads")
	onlyPicked := flag.Bool("picked", false, "measure only the picked-items routes (resource with a token narrowed to 200 ids, filter on a 1,000-item list) against the bare proxy")
	revoked := flag.Int("revoked", 100_000, "with the gateway phases: revocations written to the store for the last phase, the gateway against the bare proxy with that revocation list; 0 skips it")
	flag.IntVar(&passwordCost, "password-cost", passwordCost, "bcrypt cost of the bench user's password hash: 4 keeps the code-flow phases about the server; scopegate hash-password uses 12")
	pin := flag.Bool("pin", true, "pin each server to CPU 0 with taskset and GOMAXPROCS=1, the load generator to the other CPUs")
	opDir := flag.String("oidc-provider-dir", filepath.Join("bench", "oidcprovider"), "directory of the oidc-provider reference server (server.js, node_modules)")
	withOP := flag.Bool("oidc-provider", oidcProviderAvailable(filepath.Join("bench", "oidcprovider")),
		"compare the token endpoint with panva's oidc-provider (default: on when node and its node_modules are installed)")
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "oidc-provider" })
	if !explicit {
		*withOP = oidcProviderAvailable(*opDir)
	}

	if *mode == "bare" {
		runBareProxy(*upstream)
		return
	}
	if !*withOP && !explicit {
		fmt.Fprintf(os.Stderr, "bench: oidc-provider comparison off (needs node on PATH and %s); to enable: (cd %s && npm install)\n",
			filepath.Join(*opDir, "node_modules"), *opDir)
	}
	op := ""
	if *withOP {
		if !oidcProviderAvailable(*opDir) {
			fmt.Fprintf(os.Stderr, "bench: -oidc-provider needs node on PATH and %s: run (cd %s && npm install)\n",
				filepath.Join(*opDir, "node_modules"), *opDir)
			os.Exit(2)
		}
		op = *opDir
	}
	if *onlyReload || *onlyPicked {
		op = ""
	}
	if err := run(*binary, *duration, *conns, *rounds, *pin, op, *onlyReload, *onlyPicked, *gateway, *authServer, *revoked); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// runBareProxy is the baseline: httputil.ReverseProxy with Rewrite and
// nothing else, in its own process like the gateway.
func runBareProxy(upstream string) {
	target, err := url.Parse(upstream)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: bad upstream:", err)
		os.Exit(2)
	}
	// The same idle-connection limits as scopegate's upstream transport
	// (proxy/forward.go): with http.DefaultTransport's 2 idle connections
	// per host, the baseline would reconnect to the backend on most
	// requests and look slower than the gateway.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns, transport.MaxIdleConnsPerHost = 512, 64
	rp := &httputil.ReverseProxy{Transport: transport, Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.SetXForwarded()
	}}
	ln, err := listenLoopback()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	fmt.Println(ln.Addr().String())
	http.Serve(ln, rp)
}

// run measures binary; opDir, when not empty, is the oidc-provider
// reference server to compare the token endpoint with.
func run(binary string, duration time.Duration, conns, rounds int, pin bool, opDir string, onlyReload, onlyPicked, gateway, authServer bool, revoked int) error {
	// Ctrl-C or SIGTERM end the phases early and still stop the children
	// and remove the temporary directory.
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Three gateway phases, up to seven authorization-server phases and
	// two revocation-list phases per round, their warm-ups, seeding,
	// filling the list and start-up.
	ctx, cancel := context.WithTimeout(sigCtx, time.Duration(12*max(rounds, 1)+4)*duration+20*max(duration/5, 2*time.Second)+3*time.Minute)
	defer cancel()
	tmp, err := os.MkdirTemp("", "scopegate-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if binary == "" {
		binary = filepath.Join(tmp, "scopegate")
		build := exec.CommandContext(ctx, "go", "build", "-o", binary, "./cmd/scopegate")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building scopegate (run from the repository root): %w", err)
		}
	}

	if pin {
		pinSelf()
	}
	backend, err := startBackend()
	if err != nil {
		return err
	}
	defer backend.Close()

	self, err := os.Executable()
	if err != nil {
		return err
	}
	bare, err := startChild(ctx, pin, self, "-mode", "bare", "-upstream", backend.URL)
	if err != nil {
		return fmt.Errorf("starting bare proxy: %w", err)
	}
	defer bare.stop()

	sg, err := startScopegate(ctx, tmp, binary, backend.URL, pin)
	if err != nil {
		return fmt.Errorf("starting scopegate: %w", err)
	}
	defer sg.stop()
	if onlyReload {
		fmt.Printf("scopegate hot-reload load test on loopback: %d connections, %s per phase, servers pinned to one CPU: %v\n\n", conns, duration, pin)
		return reloadReport(ctx, sg, duration, conns, rounds)
	}
	if onlyPicked {
		fmt.Printf("scopegate picked-items load test on loopback: %d connections, %s per phase, servers pinned to one CPU: %v\n",
			conns, duration, pin)
		return pickedReport(ctx, bare, sg, duration, conns, rounds)
	}

	var op *reference
	if opDir != "" {
		ref, err := startOIDCProvider(ctx, opDir, pin)
		if err != nil {
			return fmt.Errorf("starting oidc-provider: %w", err)
		}
		defer ref.stop()
		op = &reference{url: ref.url, pid: ref.cmd.Process.Pid, version: oidcProviderVersion(opDir) + " on node " + nodeVersion()}
	}

	fmt.Printf("scopegate load test on loopback: %d connections, %s per phase, GOMAXPROCS(load)=%d, servers pinned to one CPU: %v\n\n",
		conns, duration, runtime.GOMAXPROCS(0), pin)
	err = report(ctx, bare, sg, op, duration, conns, rounds, gateway, authServer, revoked)
	if sigCtx.Err() != nil {
		return fmt.Errorf("interrupted")
	}
	return err
}

// pinSelf moves the load generator (and the backend it hosts) off CPU 0,
// which the servers under test get to themselves.
func pinSelf() {
	n := runtime.NumCPU()
	if n < 2 {
		return
	}
	cpus := fmt.Sprintf("1-%d", n-1)
	if err := exec.Command("taskset", "-a", "-cp", cpus, fmt.Sprint(os.Getpid())).Run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: could not pin the load generator:", err)
		return
	}
	runtime.GOMAXPROCS(n - 1)
}
