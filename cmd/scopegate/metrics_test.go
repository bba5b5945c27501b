package main

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetricsCountByComponentAndCode checks the counters and histograms
// the public handler updates, through the series resolved ahead of time
// and the fallback for codes outside them.
func TestMetricsCountByComponentAndCode(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	h := m.instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := r.URL.Query().Get("code"); c != "" {
			n, _ := strconv.Atoi(c)
			w.WriteHeader(n)
		}
		w.Write([]byte("x"))
	}))
	for _, target := range []string{
		"/photos/1", "/photos/1", "/photos/1?code=404", "/photos/1?code=799",
		"/oauth2/token?code=400", "/.well-known/openid-configuration",
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	}
	want := map[string]float64{
		"gateway 200": 2, "gateway 404": 1, "gateway 799": 1,
		"authserver 400": 1, "authserver 200": 1,
	}
	wantObs := map[string]uint64{"gateway": 4, "authserver": 2}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	gotObs := map[string]uint64{}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch f.GetName() {
			case "scopegate_http_requests_total":
				got[labels["component"]+" "+labels["code"]] = mt.GetCounter().GetValue()
			case "scopegate_http_request_duration_seconds":
				gotObs[labels["component"]] = mt.GetHistogram().GetSampleCount()
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v; want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("requests{%s} = %v; want %v", k, got[k], v)
		}
	}
	for k, v := range wantObs {
		if gotObs[k] != v {
			t.Errorf("duration{%s} count = %v; want %v", k, gotObs[k], v)
		}
	}
}
