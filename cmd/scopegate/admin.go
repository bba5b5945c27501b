package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
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
	// The labelled series each request updates, resolved once: a lookup
	// by label values hashes them and locks the vector on every request.
	gateway, authserver series
}

// series is one component's duration histogram and its request counters,
// by status code, each created on its first use so that /metrics lists
// only the codes served.
type series struct {
	component string
	requests  *prometheus.CounterVec
	duration  prometheus.Observer
	codes     [500]atomic.Pointer[prometheus.Counter] // status codes 100 to 599
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
	for _, s := range []*series{&m.gateway, &m.authserver} {
		s.requests = m.requests
	}
	m.gateway.component, m.authserver.component = "gateway", "authserver"
	m.gateway.duration = m.duration.WithLabelValues("gateway")
	m.authserver.duration = m.duration.WithLabelValues("authserver")
	return m
}

// counter returns the request counter for status code.
func (s *series) counter(code int) prometheus.Counter {
	if code < 100 || code >= 100+len(s.codes) {
		return s.requests.WithLabelValues(s.component, strconv.Itoa(code))
	}
	p := &s.codes[code-100]
	if c := p.Load(); c != nil {
		return *c
	}
	c := s.requests.WithLabelValues(s.component, strconv.Itoa(code))
	p.Store(&c) // a racing store holds the same counter
	return c
}

// instrument wraps the public handler. Labels are fixed strings and status
// codes only, never paths, so cardinality stays bounded.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s := &m.gateway
		if oauthrule.IsAuthServerPath(r.URL.Path) {
			s = &m.authserver
		}
		s.counter(sw.status).Inc()
		s.duration.Observe(time.Since(start).Seconds())
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
