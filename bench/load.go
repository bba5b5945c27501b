package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// result is what one load phase measured.
type result struct {
	name     string
	requests int
	errors   int
	elapsed  time.Duration
	p50, p99 time.Duration
	noRatio  bool    // not comparable with the table's baseline
	cpu      float64 // CPU the server used during the phase, 1 = one core; 0 = unknown
}

func (r result) perSecond() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// newLoadClient returns a keep-alive client with one idle connection per
// worker, so every phase measures the servers, not connection setup.
func newLoadClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     time.Minute,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// drive runs op from conns workers until duration has passed. op returns
// whether its unit of work succeeded; worker i passes its own index so ops
// can rotate through per-worker state without locking.
func drive(ctx context.Context, name string, conns int, duration time.Duration, op func(worker, n int) bool) result {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			bad := 0
			for n := 0; ctx.Err() == nil; n++ {
				t0 := time.Now()
				ok := op(w, n)
				if ctx.Err() != nil {
					break // the deadline may have cut the request short
				}
				if ok {
					lat = append(lat, time.Since(t0))
				} else {
					bad++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	return result{name: name, requests: len(all), errors: errs, elapsed: elapsed, p50: percentile(all, 0.50), p99: percentile(all, 0.99)}
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p)]
}

// get performs one GET with an optional bearer token and reports whether
// it got a 200.
func get(client *http.Client, url, bearer string) bool {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return false
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// reference is the oidc-provider server the token endpoint is compared
// with, when it runs.
type reference struct {
	url     string
	pid     int
	version string
}

func report(ctx context.Context, bare *child, sg *scopegate, op *reference, duration time.Duration, conns, rounds int, gateway, authServer bool, revoked int) error {
	client := newLoadClient(conns)
	sgEP, err := discover(client, sg.issuer)
	if err != nil {
		return fmt.Errorf("scopegate: %w", err)
	}
	one, err := clientCredentialsToken(client, sgEP.TokenEndpoint)
	if err != nil {
		return err
	}
	// Both token endpoints must do the same work: sign an ES256 JWT that a
	// key in their JWKS verifies.
	if err := checkES256(client, sgEP, one); err != nil {
		return fmt.Errorf("scopegate: %w", err)
	}
	var opEP endpoints
	if op != nil {
		if opEP, err = discover(client, op.url); err != nil {
			return fmt.Errorf("oidc-provider: %w", err)
		}
		tok, err := clientCredentialsToken(client, opEP.TokenEndpoint)
		if err != nil {
			return fmt.Errorf("oidc-provider: %w", err)
		}
		if err := checkES256(client, opEP, tok); err != nil {
			return fmt.Errorf("oidc-provider: %w: refusing an unequal comparison", err)
		}
	}
	tokens := make([]string, 1000)
	for i := range tokens {
		if tokens[i], err = clientCredentialsToken(client, sgEP.TokenEndpoint); err != nil {
			return err
		}
	}
	// Sanity: the gateway really checks, so the numbers below are for a
	// checking gateway.
	if get(client, sg.url+"/photos/42", "") {
		return fmt.Errorf("gateway answered 200 without a token: refusing to measure a gateway that does not check")
	}

	// The revocation list phase runs last, and refreshes these for fresh
	// access tokens; its code flows run first, while the login limiter has
	// seen no load.
	var families []string
	if gateway && revoked > 0 {
		if families, _, err = seedFamilies(client, sgEP, revokedGrantTokens); err != nil {
			return fmt.Errorf("revocation list phase: %w", err)
		}
	}
	if gateway {
		if err := gatewayReport(ctx, client, bare, sg, one, tokens, duration, conns, rounds); err != nil {
			return err
		}
	}
	if authServer {
		if err := authServerReport(ctx, client, sg, sgEP, op, opEP, duration, conns, rounds); err != nil {
			return err
		}
	}
	// Last: the revocations stay in the server's list.
	if families != nil {
		return revokedReport(ctx, client, bare, sg, sgEP, one, families, revoked, duration, conns, rounds)
	}
	return nil
}

// gatewayReport measures the bare proxy and the gateway with one token and
// with 1000, round after round.
func gatewayReport(ctx context.Context, client *http.Client, bare *child, sg *scopegate, one string, tokens []string,
	duration time.Duration, conns, rounds int) error {
	// Warm both proxies' connection pools and the verification cache.
	drive(ctx, "warm-up", conns, duration/5, func(w, n int) bool { return get(client, bare.url+"/photos/42", one) })
	drive(ctx, "warm-up", conns, duration/5, func(w, n int) bool { return get(client, sg.url+"/photos/42", tokens[(w*31+n)%len(tokens)]) })

	// The phases take turns, round after round, so that whatever else the
	// machine does falls on all three alike. Each phase's median round is
	// shown (the ratios are of medians), then every round's own ratios.
	sgPID := sg.cmd.Process.Pid
	phases := []phase{
		{bare.cmd.Process.Pid, func() result {
			// The same request as the gateway gets, token included: the
			// bare proxy parses it and passes it on unread.
			return drive(ctx, "bare httputil.ReverseProxy", conns, duration, func(w, n int) bool {
				return get(client, bare.url+"/photos/42", one)
			})
		}},
		{sgPID, func() result {
			return drive(ctx, "scopegate gateway, 1 token", conns, duration, func(w, n int) bool {
				return get(client, sg.url+"/photos/42", one)
			})
		}},
		{sgPID, func() result {
			return drive(ctx, "scopegate gateway, 1000 tokens", conns, duration, func(w, n int) bool {
				return get(client, sg.url+"/photos/42", tokens[(w*31+n)%len(tokens)])
			})
		}},
	}
	all, err := runRounds(ctx, phases, rounds) // per round: bare, 1 token, 1000 tokens
	if err != nil {
		return err
	}
	printGatewayRounds(all)
	return nil
}

// phase is one load phase of a round: the load, and the process whose CPU
// it is measured by.
type phase struct {
	pid int
	run func() result
}

// runRounds runs the phases in turn, round after round, so that whatever
// else the machine does falls on all of them alike, and returns each
// round's results in the phases' order.
func runRounds(ctx context.Context, phases []phase, rounds int) ([][]result, error) {
	var all [][]result
	for range max(rounds, 1) {
		var round []result
		for _, p := range phases {
			round = append(round, withCPU(p.pid, p.run))
		}
		all = append(all, round)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("stopped: %w", err)
	}
	return all, nil
}

// medianRound is phase i's median round, by requests per second.
func medianRound(all [][]result, i int) result {
	var rs []result
	for _, round := range all {
		rs = append(rs, round[i])
	}
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.perSecond(), b.perSecond()) })
	return rs[len(rs)/2]
}

// roundRatios returns, round by round, row's requests per second over
// base's, formatted, and their median. Each ratio compares two phases run
// back to back, so it is less moved by what the machine does meanwhile
// than the ratio of two medians, which may come from different rounds.
func roundRatios(all [][]result, base, row int) (each string, median float64) {
	var rs []string
	var xs []float64
	for _, round := range all {
		x := round[row].perSecond() / round[base].perSecond()
		rs = append(rs, fmt.Sprintf("%.2fx", x))
		xs = append(xs, x)
	}
	slices.Sort(xs)
	return strings.Join(rs, " "), xs[len(xs)/2]
}

// printGatewayRounds prints each phase's median round (by requests per
// second) against the bare proxy's median round, then every round's ratios
// so that the spread is in plain sight.
func printGatewayRounds(all [][]result) {
	median := func(i int) result { return medianRound(all, i) }
	bare := median(0)
	printTable(fmt.Sprintf("Gateway (GET /photos/42, scope photos.read), median of %d rounds", len(all)), bare, bare, median(1), median(2))
	for i, name := range []string{"1 token", "1000 tokens"} {
		each, median := roundRatios(all, 0, i+1)
		fmt.Printf("  gateway/bare in each round, %s: %s (median %.2fx)\n", name, each, median)
	}
	// Issue 12's tail-latency target is a difference of p99s, so it is
	// shown per round too: one round's p99 is its worst 1%, easily moved
	// by whatever else the machine does meanwhile.
	for i, name := range []string{"1 token", "1000 tokens"} {
		var rs []string
		for _, round := range all {
			rs = append(rs, fmt.Sprintf("%+.2fms", float64(round[i+1].p99-round[0].p99)/float64(time.Millisecond)))
		}
		fmt.Printf("  p99 gateway-bare in each round, %s: %s\n", name, strings.Join(rs, " "))
	}
}

func printTable(title string, baseline result, rows ...result) {
	printTableHeader(title)
	for _, r := range rows {
		printRow(baseline, r)
	}
}

func printTableHeader(title string) {
	fmt.Println(title)
	fmt.Printf("  %-40s %12s %9s %10s %10s %8s %11s %12s\n", "", "per second", "ratio", "p50", "p99", "errors", "server CPU", "CPU µs/req")
}

func printRow(baseline, r result) {
	ratio := "-"
	if baseline.requests > 0 && !r.noRatio {
		ratio = fmt.Sprintf("%.2fx", r.perSecond()/baseline.perSecond())
	}
	// CPU per request is the server's cost whatever else the machine did
	// meanwhile: a server that used 50% of a core for 1000 requests a
	// second could answer about 2000 with the whole core.
	cpu, perReq := "-", "-"
	if r.cpu > 0 {
		cpu = fmt.Sprintf("%.0f%%", 100*r.cpu)
		if r.requests > 0 {
			perReq = fmt.Sprintf("%.0f", r.cpu*r.elapsed.Seconds()*1e6/float64(r.requests))
		}
	}
	fmt.Printf("  %-40s %12.0f %9s %10s %10s %8d %11s %12s\n", r.name, r.perSecond(), ratio,
		r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.errors, cpu, perReq)
}
