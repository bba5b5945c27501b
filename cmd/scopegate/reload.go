package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/scopegate/scopegate/config"
)

// loadConfigFile reads and checks a config file: the one code path of
// serve, check and every reload. hash identifies the content read.
func loadConfigFile(path string, lookupEnv func(string) (string, bool)) (f *config.File, hash string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("reading config: %w", err)
	}
	sum := sha256.Sum256(data)
	f, err = config.Parse(path, data, lookupEnv)
	return f, "sha256:" + hex.EncodeToString(sum[:]), err
}

// reloadState counts reloads and remembers the last one, for /metrics
// and /readyz.
type reloadState struct {
	total *prometheus.CounterVec

	mu   sync.Mutex // serializes reloads; guards last
	last *reloadReport
}

// reloadReport is what /readyz says about the last reload.
type reloadReport struct {
	Result   string    `json:"result"` // success or failure
	At       time.Time `json:"at"`
	Trigger  string    `json:"trigger"` // signal, file or api
	Hash     string    `json:"hash,omitempty"`
	Problems []string  `json:"problems,omitempty"` // as scopegate check prints them
	// RestartRequired lists changed keys that a reload cannot apply; the
	// rest of the file was applied.
	RestartRequired []string `json:"restart_required,omitempty"`
}

func (rs *reloadState) init(reg *prometheus.Registry) {
	rs.total = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scopegate_config_reload_total",
		Help: "Config reloads (SIGHUP or a change of the file), by result.",
	}, []string{"result"})
	// Both series exist from the start, so a rate() or an alert on
	// failures works before the first reload.
	rs.total.WithLabelValues("success")
	rs.total.WithLabelValues("failure")
	reg.MustRegister(rs.total)
}

// reload re-reads the config file and, when it is valid, swaps in a new
// snapshot built from it: routes, upstreams, trusted issuers and proxies,
// users, clients, scopes and branding change for the requests that start
// afterwards; requests in flight finish on the snapshot they started
// with. Keys that only a restart can change (restartOnlyKeys) keep their
// running values; each changed one is logged as a warning and listed on
// /readyz, and the rest of the file is applied. An invalid file changes
// nothing: each problem is logged as scopegate check prints it.
func (a *app) reload(path string, lookupEnv func(string) (string, bool), trigger string) error {
	a.reloads.mu.Lock()
	defer a.reloads.mu.Unlock()
	prev := a.cur.Load()
	rep := &reloadReport{At: time.Now().UTC(), Trigger: trigger}
	f, hash, err := loadConfigFile(path, lookupEnv)
	rep.Hash = hash
	var next *snapshot
	if err == nil {
		next, rep.RestartRequired, err = a.rebuild(prev, f, hash)
	}
	if err != nil {
		rep.Result = "failure"
		var ds config.Diagnostics
		if errors.As(err, &ds) {
			for _, d := range ds {
				rep.Problems = append(rep.Problems, d.String())
			}
		} else {
			rep.Problems = []string{err.Error()}
		}
		for _, p := range rep.Problems {
			a.logger.Error("config problem", zap.String("problem", p))
		}
		a.logger.Error("config reload failed; the running config is unchanged",
			zap.String("config", path), zap.String("trigger", trigger), zap.Int("problems", len(rep.Problems)))
	} else {
		a.cur.Store(next)
		rep.Result = "success"
		for _, k := range rep.RestartRequired {
			a.logger.Warn("config key changed but needs a restart; the running value is kept", zap.String("key", k))
		}
		a.logger.Info("config reloaded", zap.String("config", path), zap.String("trigger", trigger),
			zap.String("hash", hash), zap.Int("routes", len(next.file.Policy.Routes())),
			zap.Int("clients", len(next.file.AuthServer.Clients)), zap.Int("users", len(next.file.AuthServer.Users)))
	}
	a.reloads.total.WithLabelValues(rep.Result).Inc()
	a.reloads.last = rep
	if a.audit != nil {
		a.audit.Info("config.reload", zap.String("result", rep.Result), zap.String("trigger", trigger),
			zap.String("config", path), zap.String("hash", hash), zap.Int("problems", len(rep.Problems)),
			zap.Strings("restart_required", rep.RestartRequired))
	}
	return err
}

// rebuild makes the snapshot for f, sharing with prev everything that
// outlives a config: store, keys, sessions, limits, revocations, and the
// upstream connections and token verifier when their settings are equal.
func (a *app) rebuild(prev *snapshot, f *config.File, hash string) (*snapshot, []string, error) {
	eff, pending := keepRestartOnly(prev.file, f)
	as, err := prev.auth.Reconfigure(a.authserverConfig(eff))
	if err != nil {
		return nil, nil, err
	}
	verifier := prev.verifier
	if !reflect.DeepEqual(prev.file.Gateway.TrustedIssuers, eff.Gateway.TrustedIssuers) {
		if verifier, err = newVerifier(eff, as, a.revoked, a.registered); err != nil {
			return nil, nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gw, err := a.newGateway(ctx, eff, as, verifier, prev.gateway)
	if err != nil {
		return nil, nil, err
	}
	return newSnapshot(eff, hash, as, verifier, gw), pending, nil
}

// restartOnlyKeys are the keys a reload cannot apply: listeners are bound,
// the store is open, and the issuer, audience, token lifetime and session
// secret are baked into tokens, keys and cookies already handed out. Each
// entry reads the key from a file and copies it from one file to another.
var restartOnlyKeys = []struct {
	name string
	get  func(*config.File) any
	set  func(dst, src *config.File)
}{
	{"server.listen", func(f *config.File) any { return f.Server.Listen }, func(d, s *config.File) { d.Server.Listen = s.Server.Listen }},
	{"server.admin_listen", func(f *config.File) any { return f.Server.AdminListen }, func(d, s *config.File) { d.Server.AdminListen = s.Server.AdminListen }},
	{"server.max_connections", func(f *config.File) any { return f.Server.MaxConnections }, func(d, s *config.File) { d.Server.MaxConnections = s.Server.MaxConnections }},
	{"server.read_timeout", func(f *config.File) any { return f.Server.ReadTimeout }, func(d, s *config.File) { d.Server.ReadTimeout = s.Server.ReadTimeout }},
	{"server.idle_timeout", func(f *config.File) any { return f.Server.IdleTimeout }, func(d, s *config.File) { d.Server.IdleTimeout = s.Server.IdleTimeout }},
	{"log.level", func(f *config.File) any { return f.Log.Level }, func(d, s *config.File) { d.Log.Level = s.Log.Level }},
	{"log.format", func(f *config.File) any { return f.Log.Format }, func(d, s *config.File) { d.Log.Format = s.Log.Format }},
	{"log.audit", func(f *config.File) any { return f.Log.Audit }, func(d, s *config.File) { d.Log.Audit = s.Log.Audit }},
	{"store", func(f *config.File) any { return f.Store }, func(d, s *config.File) { d.Store = s.Store }},
	{"authserver.issuer", func(f *config.File) any { return f.AuthServer.Issuer }, func(d, s *config.File) { d.AuthServer.Issuer = s.AuthServer.Issuer }},
	{"authserver.audience", func(f *config.File) any { return f.AuthServer.Audience }, func(d, s *config.File) { d.AuthServer.Audience = s.AuthServer.Audience }},
	{"authserver.access_token_ttl", func(f *config.File) any { return f.AuthServer.AccessTokenTTL }, func(d, s *config.File) { d.AuthServer.AccessTokenTTL = s.AuthServer.AccessTokenTTL }},
	{"authserver.refresh_token_idle_ttl", func(f *config.File) any { return f.AuthServer.RefreshTokenIdleTTL }, func(d, s *config.File) { d.AuthServer.RefreshTokenIdleTTL = s.AuthServer.RefreshTokenIdleTTL }},
	{"authserver.refresh_token_ttl", func(f *config.File) any { return f.AuthServer.RefreshTokenTTL }, func(d, s *config.File) { d.AuthServer.RefreshTokenTTL = s.AuthServer.RefreshTokenTTL }},
	{"authserver.session_secret", func(f *config.File) any { return f.AuthServer.SessionSecret }, func(d, s *config.File) { d.AuthServer.SessionSecret = s.AuthServer.SessionSecret }},
}

// keepRestartOnly returns next with every restart-only key set to its
// running value, and the names of those that differ.
func keepRestartOnly(running, next *config.File) (*config.File, []string) {
	eff := *next
	var changed []string
	for _, k := range restartOnlyKeys {
		if !reflect.DeepEqual(k.get(running), k.get(next)) {
			changed = append(changed, k.name)
			k.set(&eff, running)
		}
	}
	return &eff, changed
}

// readyReport is the JSON body of /readyz.
type readyReport struct {
	Status     string        `json:"status"` // ready or not ready
	Error      string        `json:"error,omitempty"`
	Config     configReport  `json:"config"`
	LastReload *reloadReport `json:"last_reload,omitempty"`
}

type configReport struct {
	Path     string    `json:"path"`
	Hash     string    `json:"hash"`
	LoadedAt time.Time `json:"loaded_at"`
}

// readiness reports whether the store answers (the gateway itself has no
// external dependency that could make it unready) and which config runs.
func (a *app) readiness(ctx context.Context) (bool, readyReport) {
	cur := a.cur.Load()
	rep := readyReport{Status: "ready", Config: configReport{Path: cur.file.Path, Hash: cur.hash, LoadedAt: cur.loadedAt}}
	a.reloads.mu.Lock()
	rep.LastReload = a.reloads.last
	a.reloads.mu.Unlock()
	if err := a.ready(ctx); err != nil {
		rep.Status, rep.Error = "not ready", err.Error()
		return false, rep
	}
	return true, rep
}

// configPollInterval is how often serve looks at the config file.
const configPollInterval = time.Second

// fileStamp is what changes when a file is written or replaced: editors
// that save by renaming a new file over the old one change the inode.
type fileStamp struct {
	modTime time.Time
	size    int64
	inode   uint64
}

// watchConfig reloads on every value of hup (SIGHUP), and when the file at
// path changes. The file is polled every interval, without fsnotify: an
// editor's rename over the file, a Kubernetes ConfigMap's symlink swap
// and an in-place write all change the stamp, and polling needs no
// watch on a directory that may be replaced. A change is loaded once the
// stamp has stayed the same for one interval, so a file caught half
// written is not reported as broken, and only when its content differs
// from the last one loaded or refused.
func (a *app) watchConfig(ctx context.Context, path string, lookupEnv func(string) (string, bool), hup <-chan os.Signal, interval time.Duration) {
	seen, _ := stampOf(path)
	lastContent := a.cur.Load().hash
	t := time.NewTicker(interval)
	defer t.Stop()
	// The file may have changed since serve read it: the first quiet tick
	// compares its content with what runs.
	pending := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = a.reload(path, lookupEnv, "signal")
			lastContent = a.lastHash()
			seen, _ = stampOf(path)
			pending = false
		case <-t.C:
			st, err := stampOf(path)
			if err != nil {
				continue // being replaced, or gone: the running config stays
			}
			if st != seen {
				seen, pending = st, true
				continue
			}
			if !pending {
				continue
			}
			pending = false
			if h, err := hashFile(path); err != nil || h == lastContent {
				continue
			}
			_ = a.reload(path, lookupEnv, "file")
			lastContent = a.lastHash()
		}
	}
}

// lastHash is the content hash of the last reload attempt.
func (a *app) lastHash() string {
	a.reloads.mu.Lock()
	defer a.reloads.mu.Unlock()
	if a.reloads.last != nil && a.reloads.last.Hash != "" {
		return a.reloads.last.Hash
	}
	return a.cur.Load().hash
}

func hashFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
