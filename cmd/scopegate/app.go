package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver"
	"github.com/scopegate/scopegate/authserver/pages"
	"github.com/scopegate/scopegate/config"
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
	auth    *authserver.Server
	gateway *proxy.Gateway
	public  http.Handler // authorization server + gateway
	admin   http.Handler // /healthz, /readyz, /metrics
}

// newApp builds everything a config file describes. audit, if not nil,
// receives the security events. On error nothing is left open.
func newApp(ctx context.Context, f *config.File, logger, audit *zap.Logger) (_ *app, err error) {
	st, err := openStore(ctx, f.Store)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()

	revoked := new(token.RevocationList) // filled from the store by authserver.New
	asCfg := authserverConfig(f, st, logger)
	asCfg.Revoked = revoked
	asCfg.Audit = audit
	browser := needsBrowserLogin(f)
	var gw *proxy.Gateway // set below; logout reaches it only once serving
	if browser {
		asCfg.Clients = append(asCfg.Clients, gatewayClient(f))
		asCfg.OnLogout = endGatewaySession(func() *proxy.Gateway { return gw }, st, logger)
	}
	as, err := authserver.New(ctx, asCfg)
	if err != nil {
		return nil, fmt.Errorf("authorization server: %w", err)
	}
	verifier, err := newVerifier(f, as, revoked)
	if err != nil {
		return nil, err
	}
	gwCfg := gatewayConfig(f, verifier, logger)
	gwCfg.StripCookies = as.CookieNames()
	if browser {
		if gwCfg.Browser, err = browserLogin(ctx, f, st, as); err != nil {
			return nil, err
		}
		gwCfg.Browser.Revoked = revoked
	}
	gw, err = proxy.New(gwCfg)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}

	authMux := http.NewServeMux()
	as.Mount(authMux)
	if browser {
		authMux.Handle("GET "+proxy.CallbackPath, gw.SignInCallback())
	}
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	a := &app{store: st, auth: as, gateway: gw}
	a.public = m.instrument(splitHandler(authMux, gw))
	a.admin = adminHandler(reg, a.ready)
	return a, nil
}

// splitHandler sends the authorization server's paths to auth and every
// other request to the gateway. The gateway gets the request untouched: a
// ServeMux in front of it would clean and redirect paths that the gateway
// must judge (and reject) itself.
func splitHandler(auth, gateway http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Judged on the escaped path, and only when it is clean: anything
		// ambiguous ("/oauth2/../admin") is the gateway's to refuse.
		if p := r.URL.EscapedPath(); isAuthServerPath(p) && policy.CheckPath(p) == nil {
			auth.ServeHTTP(w, r)
			return
		}
		gateway.ServeHTTP(w, r)
	})
}

func isAuthServerPath(p string) bool {
	return len(p) >= len("/oauth2/") && p[:len("/oauth2/")] == "/oauth2/" ||
		p == "/.well-known/oauth-authorization-server" ||
		p == "/.well-known/openid-configuration"
}

// ready reports whether the store answers; the gateway itself has no
// external dependency that could make it unready.
func (a *app) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := a.store.SigningKeys(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func (a *app) Close() error { return a.store.Close() }

func openStore(ctx context.Context, s config.Store) (store.Store, error) {
	switch s.Driver {
	case "sqlite":
		db, err := sqlite.Open(ctx, s.DSN)
		if err != nil {
			return nil, fmt.Errorf("opening sqlite store: %w", err)
		}
		return db, nil
	case "postgres":
		db, err := postgres.Open(ctx, s.DSN)
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
		Issuer:         a.Issuer,
		Audience:       a.Audience,
		AccessTokenTTL: a.AccessTokenTTL,
		ReadTimeout:    f.Server.ReadTimeout,
		Store:          st,
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
	for _, p := range a.IdentityProviders {
		cfg.IdentityProviders = append(cfg.IdentityProviders, authserver.IdentityProvider{
			ID: p.ID, Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret, Scopes: p.Scopes,
		})
	}
	return cfg
}

// newVerifier trusts this server's own tokens through its local keys (no
// HTTP), minus those it revoked, and each configured external issuer
// through OpenID discovery.
func newVerifier(f *config.File, as *authserver.Server, revoked *token.RevocationList) (*token.Verifier, error) {
	aud := f.AuthServer.Audience
	if aud == "" {
		aud = f.AuthServer.Issuer
	}
	issuers := []token.Issuer{{URL: f.AuthServer.Issuer, Audience: aud, Keys: as.KeySet(), Revoked: revoked}}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, ti := range f.Gateway.TrustedIssuers {
		issuers = append(issuers, token.NewRemoteIssuer(ti.Issuer, ti.Audience, client))
	}
	v, err := token.NewVerifier(token.Config{Issuers: issuers})
	if err != nil {
		return nil, fmt.Errorf("token verifier: %w", err)
	}
	return v, nil
}

func gatewayConfig(f *config.File, v *token.Verifier, logger *zap.Logger) proxy.Config {
	ups := make(map[string]proxy.Upstream, len(f.Gateway.Upstreams))
	for _, u := range f.Gateway.Upstreams {
		ups[u.Name] = proxy.Upstream{URL: u.URL, PassAuthorization: u.PassAuthorization, Timeout: u.Timeout}
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
