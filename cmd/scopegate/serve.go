package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver"
	"github.com/scopegate/scopegate/config"
)

// shutdownTimeout bounds how long in-flight requests may take to finish
// after SIGTERM or SIGINT.
const shutdownTimeout = 20 * time.Second

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "scopegate.yaml", "config file")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("serve takes no arguments: %w", errUsage)
	}
	// SIGHUP reloads; without a handler from the start it would kill us.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	f, hash, err := loadConfigFile(*path, os.LookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError{1}
	}
	logger, err := newLogger(f.Log.Level, f.Log.Format, stderr)
	if err != nil {
		return err
	}
	defer logger.Sync()
	if setHeapFloor(os.LookupEnv) {
		logger.Debug("garbage collection paced with a heap floor", zap.Int("floor_bytes", heapFloor))
	}
	for _, w := range f.Warnings() {
		logger.Warn("config: "+w.Message, zap.String("at", w.Pos.String()))
	}
	audit, closeAudit, err := newAuditLogger(f.Log.Audit, stdout, stderr)
	if err != nil {
		return err
	}
	defer closeAudit()
	return serve(ctx, f, serveOptions{logger: logger, audit: audit,
		configHash: hash, configPath: *path, lookupEnv: os.LookupEnv, reload: hup})
}

// serveOptions is what serve needs besides the config.
type serveOptions struct {
	logger *zap.Logger
	audit  *zap.Logger // nil: no audit log
	// started, if not nil, receives the bound addresses once both
	// listeners accept connections.
	started func(public, admin net.Addr)

	configHash string // of the file f was read from; see loadConfigFile
	// configPath, if not empty, is the file f was read from: it is
	// reloaded when it changes and on every value of reload (SIGHUP).
	configPath string
	lookupEnv  func(string) (string, bool)
	reload     <-chan os.Signal
}

// serve runs the public and admin listeners until ctx is done, then drains
// in-flight requests and closes the store.
func serve(ctx context.Context, f *config.File, opts serveOptions) error {
	logger, started := opts.logger, opts.started
	a, err := newApp(ctx, f, opts.configHash, logger, opts.audit)
	if err != nil {
		return err
	}
	defer a.Close()

	var lc net.ListenConfig
	publicLn, err := lc.Listen(ctx, "tcp", f.Server.Listen)
	if err != nil {
		return fmt.Errorf("server.listen: %w", err)
	}
	adminLn, err := lc.Listen(ctx, "tcp", f.Server.AdminListen)
	if err != nil {
		publicLn.Close()
		return fmt.Errorf("server.admin_listen: %w", err)
	}
	logStartup(logger, f, publicLn.Addr(), adminLn.Addr())
	publicLn, maxConns := limitPublic(publicLn, f.Server.MaxConnections)
	logger.Info("public listener limits", zap.Int("max_connections", maxConns),
		zap.Duration("read_timeout", f.Server.ReadTimeout), zap.Duration("body_idle_timeout", f.Server.BodyIdleTimeout))

	servers := []*http.Server{publicServer(a.public, logger, f.Server), adminServer(a.admin, logger)}
	errc := make(chan error, 2)
	for i, ln := range []net.Listener{publicLn, limitAdmin(adminLn)} {
		go func() { errc <- servers[i].Serve(ln) }()
	}
	tidyCtx, stopTidy := context.WithCancel(ctx)
	defer stopTidy()
	go a.auth.KeepTidy(tidyCtx, authserver.HousekeepingInterval)
	go a.auth.FollowRevocations(tidyCtx, authserver.RevocationPollInterval)
	if opts.configPath != "" {
		go a.watchConfig(tidyCtx, opts.configPath, opts.lookupEnv, opts.reload, configPollInterval)
	}
	if started != nil {
		started(publicLn.Addr(), adminLn.Addr())
	}

	select {
	case <-ctx.Done():
		logger.Info("shutting down", zap.Duration("timeout", shutdownTimeout))
	case err := <-errc:
		logger.Error("listener failed", zap.Error(err))
		ctx = context.Background()
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		logger.Warn("in-flight requests cut off at shutdown", zap.Error(err))
		return err
	}
	logger.Info("stopped")
	return nil
}

func logStartup(logger *zap.Logger, f *config.File, public, admin net.Addr) {
	routes := make([]string, 0, len(f.Policy.Routes()))
	for _, r := range f.Policy.Routes() {
		routes = append(routes, r.Pattern+" -> "+r.Upstream)
	}
	upstreams := make([]string, 0, len(f.Gateway.Upstreams))
	for _, u := range f.Gateway.Upstreams {
		upstreams = append(upstreams, u.Name+"="+u.URL.Redacted())
	}
	logger.Info("scopegate started",
		zap.String("version", version),
		zap.String("config", f.Path),
		zap.Stringer("listen", public),
		zap.Stringer("admin_listen", admin),
		zap.String("issuer", f.AuthServer.Issuer),
		zap.String("store", f.Store.Driver),
		zap.Strings("upstreams", upstreams),
		zap.Strings("routes", routes),
	)
}
