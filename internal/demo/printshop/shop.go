package printshop

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
	"golang.org/x/oauth2"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Config describes the shop as a registered OAuth client.
type Config struct {
	// IssuerURL is the authorization server; endpoints come from its discovery document.
	IssuerURL string
	// GatewayURL is where the photo API is reached, e.g. "http://localhost:8080".
	GatewayURL string
	// ClientID and ClientSecret are the shop's credentials at the authorization server.
	ClientID, ClientSecret string
	// RedirectURL is the shop's registered /callback URL.
	RedirectURL string
	// Scopes to request. If empty, only "photos.read" is requested.
	Scopes []string
	// HTTPClient makes discovery, token and gateway calls. If nil, a client with a
	// 15 second timeout is used.
	HTTPClient *http.Client
	// PostLogoutURL is where the drive's logout sends the browser back to after "Sign
	// out" (registered as the client's post_logout_redirect_uris). If empty, signing
	// out only forgets the shop's session.
	PostLogoutURL string
	// Logger receives operational errors, never tokens or codes. If nil, nothing is logged.
	Logger *zap.Logger
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
}

// Shop is the PrintMyPhotos web application; it is an http.Handler.
type Shop struct {
	cfg      Config
	gateway  *url.URL
	disc     *discovery
	oidc     oidcProvider
	sessions *sessions
	pages    map[string]*template.Template
	mux      *http.ServeMux
	sample   []byte // the PNG sent by "try to upload"
}

// New checks cfg and builds the shop. It tries discovery once with ctx but does not fail
// when the authorization server is not up yet: the shop retries when a user connects.
func New(ctx context.Context, cfg Config) (*Shop, error) {
	for name, v := range map[string]string{"IssuerURL": cfg.IssuerURL, "GatewayURL": cfg.GatewayURL,
		"ClientID": cfg.ClientID, "RedirectURL": cfg.RedirectURL} {
		if v == "" {
			return nil, errors.New("printshop: Config." + name + " is required")
		}
	}
	gw, err := url.Parse(strings.TrimSuffix(cfg.GatewayURL, "/"))
	if err != nil || gw.Scheme == "" || gw.Host == "" {
		return nil, errors.New("printshop: Config.GatewayURL must be an absolute URL")
	}
	redirect, err := url.Parse(cfg.RedirectURL)
	if err != nil || redirect.Scheme == "" || redirect.Host == "" {
		return nil, errors.New("printshop: Config.RedirectURL must be an absolute URL")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"photos.read"}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Shop{
		cfg:      cfg,
		gateway:  gw,
		disc:     &discovery{issuer: cfg.IssuerURL, client: cfg.HTTPClient},
		sessions: &sessions{byID: map[string]*session{}, now: cfg.Now, secure: redirect.Scheme == "https"},
		pages:    pages,
		mux:      http.NewServeMux(),
		sample:   samplePNG(),
	}
	if _, err := s.disc.get(ctx); err != nil {
		cfg.Logger.Info("authorization server not reachable yet; will retry on connect", zap.Error(err))
	}
	static, _ := fs.Sub(assets, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.home)
	s.mux.HandleFunc("POST /connect", s.connect)
	s.mux.HandleFunc("GET "+redirect.Path, s.callback)
	s.mux.HandleFunc("POST /disconnect", s.disconnect)
	s.mux.HandleFunc("POST /signin", s.signIn)
	s.mux.HandleFunc("POST /signout", s.signOut)
	s.mux.HandleFunc("GET /thumb/{id}", s.thumb)
	s.mux.HandleFunc("POST /order", s.placeOrder)
	s.mux.HandleFunc("GET /orders/{id}", s.showOrder)
	s.mux.HandleFunc("POST /try-upload", s.tryUpload)
	s.mux.HandleFunc("POST /try-unshared", s.tryUnshared)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.message(w, r, http.StatusNotFound, messagePage{
			Title: "Page not found", Text: "There is nothing at this address.",
		})
	})
	return s, nil
}

// ServeHTTP adds the security headers every page needs and dispatches.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' "+
		originOf(s.cfg.IssuerURL)+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// oauthConfig is the x/oauth2 view of the shop, with endpoints from discovery.
func (s *Shop) oauthConfig(md *metadata) *oauth2.Config {
	style := oauth2.AuthStyleInHeader
	if m := md.TokenEndpointAuthMethodsSupported; len(m) > 0 && !slices.Contains(m, "client_secret_basic") &&
		slices.Contains(m, "client_secret_post") {
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID:     s.cfg.ClientID,
		ClientSecret: s.cfg.ClientSecret,
		RedirectURL:  s.cfg.RedirectURL,
		Scopes:       s.cfg.Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL: md.AuthorizationEndpoint, TokenURL: md.TokenEndpoint, AuthStyle: style,
		},
	}
}

// gatewayURL joins a path (already escaped) to the gateway's base URL.
func (s *Shop) gatewayURL(path string) string {
	return s.gateway.String() + path
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
