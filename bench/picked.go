package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/scopegate/scopegate/internal/benchdata"
)

// Issue 7's routes, measured like the gateway rows: the bare proxy and
// the gateway take turns for -rounds rounds, every request carries the
// same token (narrowed to pickedCount photos by a real consent), and the
// ratios are of each phase's median round.

const pickedCount = 200

// pickedIDs are the photos ticked on the consent page, spread over the
// list.
func pickedIDs() []string {
	ids := make([]string, pickedCount)
	for i := range ids {
		ids[i] = strconv.Itoa(i * 5)
	}
	return ids
}

func pickedReport(ctx context.Context, bare *child, sg *scopegate, duration time.Duration, conns, rounds int) error {
	client := newLoadClient(conns)
	ep, err := discover(client, sg.issuer)
	if err != nil {
		return fmt.Errorf("scopegate: %w", err)
	}
	// photos.read too, so that the same token bytes also go through a
	// plain route: the difference between the two is the pick's own cost.
	tok, err := codeFlowPick(client.Transport, ep, "photos.read picked.read", nil, url.Values{"pick.photos": pickedIDs()})
	if err != nil {
		return fmt.Errorf("getting a token narrowed to %d photos: %w", pickedCount, err)
	}
	// Sanity: the gateway really narrows, so the numbers below are for a
	// gateway that checks every id and filters every list.
	if status(client, sg.url+"/picked/5", tok.access) != http.StatusOK || status(client, sg.url+"/picked/1", tok.access) != http.StatusForbidden {
		return fmt.Errorf("the resource route does not answer 200 for a picked photo and 403 for another: refusing to measure")
	}
	for _, c := range []struct {
		url  string
		want int
	}{{sg.url + "/picked", pickedCount}, {bare.url + "/picked", 1000}} {
		if n, err := countItems(client, c.url, tok.access); err != nil || n != c.want {
			return fmt.Errorf("GET %s: %d items, %v; want %d: refusing to measure", c.url, n, err, c.want)
		}
	}
	fmt.Printf("token: narrowed to %d photos, %d bytes; list: 1,000 photos, %d bytes of JSON\n\n", pickedCount, len(tok.access), len(benchdata.PhotoList()))

	one := func(base, path string) func(w, n int) bool {
		return func(w, n int) bool { return get(client, base+path, tok.access) }
	}
	for _, base := range []string{bare.url, sg.url} {
		drive(ctx, "warm-up", conns, duration/5, one(base, "/picked/5"))
		drive(ctx, "warm-up", conns, duration/5, one(base, "/picked"))
	}
	drive(ctx, "warm-up", conns, duration/5, one(sg.url, "/photos/5"))
	bareP, sgP := bare.cmd.Process.Pid, sg.cmd.Process.Pid
	phases := []struct {
		pid        int
		name, base string
		path       string
	}{
		{bareP, "bare, GET /picked/5", bare.url, "/picked/5"},
		{sgP, "scopegate, plain route, same token", sg.url, "/photos/5"},
		{sgP, "scopegate, resource route", sg.url, "/picked/5"},
		{bareP, "bare, GET /picked (1,000 items)", bare.url, "/picked"},
		{sgP, "scopegate, filter route (200 kept)", sg.url, "/picked"},
	}
	var all [][]result
	var rss [][2]int // per round: kB of the bare proxy and of scopegate after the list phases
	for range max(rounds, 1) {
		var round []result
		for _, p := range phases {
			round = append(round, withCPU(p.pid, func() result { return drive(ctx, p.name, conns, duration, one(p.base, p.path)) }))
		}
		all = append(all, round)
		rss = append(rss, [2]int{procStatusKB(bareP, "VmRSS"), procStatusKB(sgP, "VmRSS")})
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stopped: %w", err)
	}
	median := func(i int) result { return medianRound(all, i) }
	title := fmt.Sprintf("Picked items (issue 7), median of %d rounds", len(all))
	printTable(title+": a token narrowed to 200 photos (target at least 0.95x)", median(0), median(0), median(1), median(2))
	fmt.Println()
	printTable(title+": a 1,000-item list (target at least 0.7x)", median(3), median(3), median(4))
	for _, c := range []struct {
		name      string
		base, row int
	}{{"plain route", 0, 1}, {"resource route", 0, 2}, {"filter route", 3, 4}} {
		each, median := roundRatios(all, c.base, c.row)
		fmt.Printf("  gateway/bare in each round, %s: %s (median %.2fx)\n", c.name, each, median)
	}
	// Filtering reads each list whole (up to 8 MiB) into pooled buffers:
	// memory grows with concurrent lists, not with requests served.
	var after []string
	for _, r := range rss {
		after = append(after, fmt.Sprintf("%.1f", float64(r[1])/1024))
	}
	fmt.Printf("  scopegate RSS after each round: %s MiB; peak %.1f MiB (bare proxy: %.1f MiB now, peak %.1f MiB)\n",
		strings.Join(after, " "), float64(procStatusKB(sgP, "VmHWM"))/1024,
		float64(procStatusKB(bareP, "VmRSS"))/1024, float64(procStatusKB(bareP, "VmHWM"))/1024)
	return nil
}

// status performs one GET with a bearer token and returns the status, 0
// on error.
func status(client *http.Client, url, bearer string) int {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// countItems returns how many photos a list answer holds.
func countItems(client *http.Client, url, bearer string) (int, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct{ Photos []json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, err
	}
	return len(body.Photos), nil
}

// procStatusKB reads a "kB" line of /proc/PID/status (VmRSS: resident
// now, VmHWM: the peak); 0 where /proc is not available.
func procStatusKB(pid int, field string) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return 0
}
