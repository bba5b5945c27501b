package proxy_test

import (
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/scopegate/scopegate/internal/benchdata"
)

// TestFilterMemoryBounded: filtering a 1,000-item list neither keeps
// memory per request nor allocates a copy of the list per request (its
// buffers are pooled). Not parallel: it reads the process's heap figures.
func TestFilterMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 600 requests")
	}
	back := pickedBackend(t)
	e, tok := pickedGateway(t, back)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	get := func() {
		req, err := http.NewRequest("GET", e.front.URL+"/photos", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || n >= int64(len(benchdata.PhotoList()))/2 {
			t.Fatalf("status %d, %d bytes; want 200 and the filtered list", res.StatusCode, n)
		}
	}
	heap := func() (live, total uint64) {
		runtime.GC()
		runtime.GC() // pooled buffers survive one collection
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc, m.TotalAlloc
	}
	for range 100 {
		get()
	}
	live0, total0 := heap()
	const n = 500
	for range n {
		get()
	}
	live1, total1 := heap()
	list := uint64(len(benchdata.PhotoList()))
	if perReq := (total1 - total0) / n; perReq > list/2 && !raceEnabled {
		t.Errorf("%d bytes allocated per request (gateway, backend and client together); want well under the %d-byte list", perReq, list)
	}
	if live1 > live0 && live1-live0 > 4*list {
		t.Errorf("live heap grew by %d bytes over %d requests", live1-live0, n)
	}
	t.Logf("per request: %d bytes allocated; live heap %d -> %d bytes", (total1-total0)/n, live0, live1)
}
