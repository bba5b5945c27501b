package main

import (
	"log"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/netutil"

	"github.com/scopegate/scopegate/config"
)

// Admin listener limits: a handful of scrapers and probes, never more. The
// admin port has its own server and connection cap, so a flood of the
// public port cannot take health checks and metrics down with it.
const (
	adminMaxConns     = 64
	adminReadTimeout  = 5 * time.Second
	adminWriteTimeout = 30 * time.Second
)

// publicServer protects the public listener. There is no whole-request
// ReadTimeout or WriteTimeout: large photo uploads and downloads and
// WebSockets stream for as long as they make progress. The authorization
// server bounds its own requests (server.read_timeout) and the gateway
// bounds stalls of bodies in both directions (server.body_idle_timeout),
// each through per-request connection deadlines.
func publicServer(h http.Handler, logger *zap.Logger, s config.Server) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       s.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          httpErrorLog(logger),
	}
}

// adminServer serves small answers only, so every timeout is short.
func adminServer(h http.Handler, logger *zap.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: adminReadTimeout,
		ReadTimeout:       adminReadTimeout,
		WriteTimeout:      adminWriteTimeout,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          httpErrorLog(logger),
	}
}

func httpErrorLog(logger *zap.Logger) *log.Logger {
	l, _ := zap.NewStdLogAt(logger.Named("http"), zap.WarnLevel)
	return l
}

// limitPublic caps the public listener's open connections; past the cap,
// new connections wait in the kernel's accept queue. A configured
// max_connections of 0 leaves room under the open-file limit for the
// upstream connections each client may hold, the store and the admin
// port.
func limitPublic(ln net.Listener, configured int) (net.Listener, int) {
	n := configured
	if n == 0 {
		n = defaultMaxConnections(openFileLimit())
	}
	return netutil.LimitListener(ln, n), n
}

// defaultMaxConnections is half the open-file limit less a reserve,
// between 64 and 16384. Each proxied client can hold an upstream
// connection too, hence the half.
func defaultMaxConnections(nofile uint64) int {
	const reserve, lo, hi = 256, 64, 16384
	if nofile == 0 {
		return 4096
	}
	n := (int64(nofile) - reserve) / 2
	return int(min(max(n, lo), hi))
}

func limitAdmin(ln net.Listener) net.Listener { return netutil.LimitListener(ln, adminMaxConns) }
