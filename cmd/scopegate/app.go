package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver"
	"github.com/scopegate/scopegate/authserver/pages"
	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/postgres"
	"github.com/scopegate/scopegate/store/sqlite"
	"github.com/scopegate/scopegate/token"
)

// app is one running scopegate: the store, the authorization server and the
// gateway, with the public and admin handlers that serve them.
type app struct {
	store   store.Store
	probe   *storeProbe           // readiness: a cached write to the store
	revoked *token.RevocationList // shared by the authorization server and the gateway
	auth    *authserver.Server    // the first; its background work serves every reload
	logger  *zap.Logger
	audit   *zap.Logger  // nil: no audit log
	public  http.Handler // authorization server + gateway, from the current snapshot
	admin   http.Handler // /healthz, /readyz, /metrics

	// cur is what requests are served with. A request loads it once, so
	// it runs on one config from start to end, whatever reloads happen.
	cur     atomic.Pointer[snapshot]
	reloads reloadState
}

// snapshot is one loaded config and everything built from it. It is never
// changed: a reload builds a new one and swaps the pointer.
type snapshot struct {
	file     *config.File // the running config: the file, minus keys that need a restart
	hash     string       // "sha256:" and the hex digest of the file as read
	loadedAt time.Time
	auth     *authserver.Server
	gateway  *proxy.Gateway
	verifier *token.Verifier
	handler  http.Handler // checks the Host, then splits requests between auth and gateway
}

func newSnapshot(f *config.File, hash string, as *authserver.Server, v *token.Verifier, gw *proxy.Gateway) *snapshot {
	authMux := http.NewServeMux()
	as.Mount(authMux)
	if needsBrowserLogin(f) {
		authMux.Handle("GET "+proxy.CallbackPath, gw.SignInCallback())
	}
	return &snapshot{file: f, hash: hash, loadedAt: time.Now().UTC(), auth: as, gateway: gw, verifier: v,
		handler: allowHosts(f.AllowedHosts(), splitHandler(authMux, gw))}
}

// newApp builds everything a config file describes; hash identifies the
// file's content (see loadConfigFile). audit, if not nil, receives the
// security events. On error nothing is left open.
func newApp(ctx context.Context, f *config.File, hash string, logger, audit *zap.Logger) (_ *app, err error) {
	st, err := openStore(ctx, f.Store)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()

	a := &app{store: st, probe: newStoreProbe(st), revoked: new(token.RevocationList), logger: logger, audit: audit}
	asCfg := a.authserverConfig(f)
	asCfg.Revoked = a.revoked // filled from the store by authserver.New
	asCfg.Audit = audit
	// Logout ends the gateway's browser session too, in whichever config
	// runs by then; reloads keep this callback.
	asCfg.OnLogout = endGatewaySession(func() *proxy.Gateway {
		if cur := a.cur.Load(); cur != nil {
			return cur.gateway
		}
		return nil
	}, st, logger)
	if a.auth, err = authserver.New(ctx, asCfg); err != nil {
		return nil, fmt.Errorf("authorization server: %w", err)
	}
	verifier, err := newVerifier(f, a.auth, a.revoked, a.registered)
	if err != nil {
		return nil, err
	}
	gw, err := a.newGateway(ctx, f, a.auth, verifier, nil)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	a.cur.Store(newSnapshot(f, hash, a.auth, verifier, gw))
	a.reloads.init(reg)
	a.public = m.instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.cur.Load().handler.ServeHTTP(w, r)
	}))
	a.admin = adminHandler(reg, a.readiness)
	return a, nil
}

// authserverConfig is the authorization server's part of f, with the
// gateway's own client when a route signs people in with a browser.
func (a *app) authserverConfig(f *config.File) authserver.Config {
	cfg := authserverConfig(f, a.store, a.logger)
	if needsBrowserLogin(f) {
		cfg.Clients = append(cfg.Clients, gatewayClient(f))
	}
	cfg.Fetch = a.fetch
	return cfg
}

// registered says whether a token's user and client are in the config
// that runs now (authserver.Server.Registered). The verifier outlives
// reloads, so it asks the current snapshot rather than the server it was
// built with.
func (a *app) registered(c *token.Claims) error {
	if cur := a.cur.Load(); cur != nil {
		return cur.auth.Registered(c)
	}
	return a.auth.Registered(c)
}

// fetch lets the consent page list a user's items through the gateway
// that currently runs (proxy.Gateway.Fetch), exactly as the gateway calls
// its upstreams; authserver never imports the gateway.
func (a *app) fetch(ctx context.Context, upstream, path string, c *token.Claims) (*http.Response, error) {
	cur := a.cur.Load()
	if cur == nil {
		return nil, errors.New("gateway not started yet")
	}
	return cur.gateway.Fetch(ctx, upstream, path, c)
}

// newGateway builds the gateway of f in front of as; prev, if not nil, is
// the gateway it replaces (see proxy.Config.Previous).
func (a *app) newGateway(ctx context.Context, f *config.File, as *authserver.Server, v *token.Verifier, prev *proxy.Gateway) (*proxy.Gateway, error) {
	gwCfg := gatewayConfig(f, v, a.logger)
	gwCfg.StripCookies = as.CookieNames()
	gwCfg.Previous = prev
	if needsBrowserLogin(f) {
		var err error
		if gwCfg.Browser, err = browserLogin(ctx, f, a.store, as); err != nil {
			return nil, err
		}
		gwCfg.Browser.Revoked = a.revoked
		gwCfg.Browser.Registered = a.registered
	}
	gw, err := proxy.New(gwCfg)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	return gw, nil
}

// splitHandler sends the authorization server's paths to auth and every
// other request to the gateway. The gateway gets the request untouched: a
// ServeMux in front of it would clean and redirect paths that the gateway
// must judge (and reject) itself.
func splitHandler(auth, gateway http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Judged on the escaped path, and only when it is clean: anything
		// ambiguous ("/oauth2/../admin") is the gateway's to refuse.
		if p := r.URL.EscapedPath(); oauthrule.IsAuthServerPath(p) && policy.CheckPath(p) == nil {
			auth.ServeHTTP(w, r)
			return
		}
		gateway.ServeHTTP(w, r)
	})
}

// ready reports whether the store takes writes; the gateway itself has no
// external dependency that could make it unready.
func (a *app) ready(ctx context.Context) error {
	if err := a.probe.check(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func (a *app) Close() error { return a.store.Close() }

func openStore(ctx context.Context, s config.Store) (store.Store, error) {
	switch s.Driver {
	case "sqlite":
		db, err := sqlite.OpenWith(ctx, s.DSN, s.Timeout)
		if err != nil {
			return nil, fmt.Errorf("opening sqlite store: %w", err)
		}
		return db, nil
	case "postgres":
		db, err := postgres.OpenWith(ctx, s.DSN, postgres.Options{Timeout: s.Timeout, MaxConnections: s.MaxConnections})
		if err != nil {
			return nil, fmt.Errorf("opening postgres store: %w", err)
		}
		return db, nil
	}
	return nil, errors.New("store.driver: unknown driver " + s.Driver)
}

func authserverConfig(f *config.File, st store.Store, logger *zap.Logger) authserver.Config {
	a := f.AuthServer
	cfg := authserver.Config{
		Issuer:              a.Issuer,
		Audience:            a.Audience,
		AccessTokenTTL:      a.AccessTokenTTL,
		RefreshTokenIdleTTL: a.RefreshTokenIdleTTL,
		RefreshTokenTTL:     a.RefreshTokenTTL,
		ReadTimeout:         f.Server.ReadTimeout,
		TrustedProxies:      f.Server.TrustedProxies,
		Store:               st,
		Brand: pages.Brand{
			ProductName: a.Branding.ProductName,
			LogoURL:     a.Branding.LogoURL,
			AccentColor: a.Branding.AccentColor,
		},
		Logger: logger, // authserver names itself
	}
	if a.SessionSecret != "" {
		cfg.CookieHashKey, cfg.CookieBlockKey = authserver.SessionKeys(a.SessionSecret)
	}
	for _, u := range a.Users {
		cfg.Users = append(cfg.Users, authserver.User{Username: u.Username, PasswordHash: u.PasswordHash,
			Name: u.Name, Email: u.Email, EmailVerified: u.EmailVerified})
	}
	for _, c := range a.Clients {
		cfg.Clients = append(cfg.Clients, authserver.Client{
			ID: c.ID, Name: c.Name, Secret: c.Secret, SecretHash: c.SecretHash,
			RedirectURIs: c.RedirectURIs, GrantTypes: c.GrantTypes, Scopes: c.Scopes,
			IDTokenSignedResponseAlg: c.IDTokenSignedResponseAlg, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		})
	}
	for _, s := range a.Scopes {
		cfg.Scopes = append(cfg.Scopes, authserver.Scope{Name: s.Name, Description: s.Description})
	}
	for _, r := range a.Resources {
		l := r.List
		cfg.Resources = append(cfg.Resources, authserver.Resource{Type: r.Type, Scopes: r.Scopes, MaxItems: r.MaxItems,
			List: authserver.ResourceList{Upstream: l.Upstream, Path: l.Path, Items: l.Items, ID: l.ID, Label: l.Label, Thumbnail: l.Thumbnail}})
	}
	for _, p := range a.IdentityProviders {
		cfg.IdentityProviders = append(cfg.IdentityProviders, authserver.IdentityProvider{
			ID: p.ID, Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret, Scopes: p.Scopes,
		})
	}
	return cfg
}

// newVerifier trusts this server's own tokens through its local keys (no
// HTTP), minus those it revoked and those whose user or client the
// running config no longer has (registered), and each configured external
// issuer through OpenID discovery.
func newVerifier(f *config.File, as *authserver.Server, revoked *token.RevocationList, registered func(*token.Claims) error) (*token.Verifier, error) {
	cfg := verifierConfig(f, as.KeySet(), revoked)
	cfg.Issuers[0].Registered = registered
	v, err := token.NewVerifier(cfg)
	if err != nil {
		return nil, fmt.Errorf("token verifier: %w", err)
	}
	return v, nil
}

// verifierConfig is the token verification of f: this server's issuer and
// audience with keys and revoked, then the trusted issuers. serve and
// explain both build their verifier from it.
func verifierConfig(f *config.File, keys oidc.KeySet, revoked *token.RevocationList) token.Config {
	aud := f.AuthServer.Audience
	if aud == "" {
		aud = f.AuthServer.Issuer
	}
	issuers := []token.Issuer{{URL: f.AuthServer.Issuer, Audience: aud, Keys: keys, Revoked: revoked}}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, ti := range f.Gateway.TrustedIssuers {
		issuers = append(issuers, token.NewRemoteIssuer(ti.Issuer, ti.Audience, client))
	}
	return token.Config{Issuers: issuers}
}

// gatewayConfig is the gateway of f with verifier v. serve and explain
// both build their gateway from it.
func gatewayConfig(f *config.File, v proxy.Verifier, logger *zap.Logger) proxy.Config {
	ups := make(map[string]proxy.Upstream, len(f.Gateway.Upstreams))
	for _, u := range f.Gateway.Upstreams {
		ups[u.Name] = proxy.Upstream{URL: u.URL, PassAuthorization: u.PassAuthorization, Timeout: u.Timeout,
			MaxConnections: u.MaxConnections, IdleConnections: u.IdleConnections, StallTimeout: u.StallTimeout}
	}
	return proxy.Config{
		Policy:          f.Policy,
		Upstreams:       ups,
		Verifier:        v,
		TrustedProxies:  f.Server.TrustedProxies,
		Logger:          logger, // the gateway names itself
		AccessLog:       f.Log.Access,
		BodyIdleTimeout: f.Server.BodyIdleTimeout,
	}
}
