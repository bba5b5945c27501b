package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scopegate/scopegate/oauthrule"
)

// adminHandler serves the operator endpoints. It is mounted only on
// server.admin_listen, never on the public listener (threat model B.10).
//
// /readyz answers 200 or 503 with a JSON body: the status, the config
// running (path, content hash, load time) and the last reload's result.
func adminHandler(reg *prometheus.Registry, ready func(context.Context) (bool, readyReport)) http.Handler {
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ok, rep := ready(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// metrics counts public requests by component and status class.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scopegate_http_requests_total",
			Help: "Requests served on the public listener, by component and status code.",
		}, []string{"component", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scopegate_http_request_duration_seconds",
			Help:    "Time to the end of the response, by component.",
			Buckets: prometheus.DefBuckets,
		}, []string{"component"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// instrument wraps the public handler. Labels are fixed strings and status
// codes only, never paths, so cardinality stays bounded.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		component := "gateway"
		if oauthrule.IsAuthServerPath(r.URL.Path) {
			component = "authserver"
		}
		m.requests.WithLabelValues(component, strconv.Itoa(sw.status)).Inc()
		m.duration.WithLabelValues(component).Observe(time.Since(start).Seconds())
	})
}

// statusWriter records the status code. It forwards Flush and exposes the
// underlying writer so streaming and WebSocket upgrades keep working.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
