package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/internal/demo"
	"github.com/scopegate/scopegate/internal/demo/photoapi"
	"github.com/scopegate/scopegate/internal/demo/printshop"
)

// demoPorts are the loopback ports of the demo's parts.
type demoPorts struct {
	scopegate, admin, photoAPI, shop int
}

// runDemo starts the photo-printing scenario on loopback: scopegate
// (authorization server + gateway), the legacy photo API behind it and the
// PrintMyPhotos client, with a throwaway store. Ctrl-C stops everything.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var p demoPorts
	fs.IntVar(&p.scopegate, "port", 8080, "scopegate's port (authorization server and gateway)")
	fs.IntVar(&p.admin, "admin-port", 9090, "scopegate's admin port (/healthz, /readyz, /metrics)")
	fs.IntVar(&p.photoAPI, "api-port", 9000, "the sample photo API's port (loopback only)")
	fs.IntVar(&p.shop, "shop-port", 8081, "the PrintMyPhotos client's port")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("demo takes no arguments: %w", errUsage)
	}

	dir, err := os.MkdirTemp("", "scopegate-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	secret, cliSecret := randomSecret(), randomSecret()
	f, err := demoConfig(p, secret, cliSecret, dir+"/scopegate.db")
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	logger, err := newLogger(f.Log.Level, f.Log.Format, stderr)
	if err != nil {
		return err
	}
	defer logger.Sync()

	// Bind every port first, so a port in use fails the demo before
	// anything is printed.
	apiLn, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.photoAPI))
	if err != nil {
		return fmt.Errorf("photo API: %w (choose another with -api-port)", err)
	}
	shopLn, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.shop))
	if err != nil {
		apiLn.Close()
		return fmt.Errorf("PrintMyPhotos: %w (choose another with -shop-port)", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	issuer := f.AuthServer.Issuer
	shop, err := printshop.New(ctx, printshop.Config{
		IssuerURL:    issuer,
		GatewayURL:   issuer,
		ClientID:     demo.ClientID,
		ClientSecret: secret,
		RedirectURL:  fmt.Sprintf("http://localhost:%d/callback", p.shop),
		// Registered as the client's post_logout_redirect_uris in the demo config.
		PostLogoutURL: fmt.Sprintf("http://localhost:%d/", p.shop),
		Logger:        logger.Named("printshop"),
	})
	if err != nil {
		apiLn.Close()
		shopLn.Close()
		return err
	}
	samples := []*http.Server{
		{Handler: photoapi.New(photoapi.Config{}), ReadHeaderTimeout: 10 * time.Second},
		{Handler: shop, ReadHeaderTimeout: 10 * time.Second},
	}
	var wg sync.WaitGroup
	for i, ln := range []net.Listener{apiLn, shopLn} {
		wg.Go(func() {
			if err := samples[i].Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("demo server failed", zap.Error(err))
				cancel()
			}
		})
	}
	defer func() {
		shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		for _, s := range samples {
			s.Shutdown(shutdownCtx)
		}
		wg.Wait()
	}()

	return serve(ctx, f, serveOptions{logger: logger, started: func(public, admin net.Addr) {
		printDemoBanner(stdout, p, issuer, cliSecret)
	}})
}

// demoConfig is the embedded demo config with the chosen ports.
func demoConfig(p demoPorts, secret, cliSecret, dsn string) (*config.File, error) {
	y := string(demo.ConfigYAML())
	y = strings.NewReplacer(
		"localhost:8080", fmt.Sprintf("localhost:%d", p.scopegate),
		"127.0.0.1:8080", fmt.Sprintf("127.0.0.1:%d", p.scopegate),
		"127.0.0.1:9090", fmt.Sprintf("127.0.0.1:%d", p.admin),
		"localhost:8081", fmt.Sprintf("localhost:%d", p.shop),
		"127.0.0.1:9000", fmt.Sprintf("127.0.0.1:%d", p.photoAPI),
	).Replace(y)
	env := map[string]string{"DEMO_PRINTER_SECRET": secret, "DEMO_CLI_SECRET": cliSecret, "DEMO_STORE_DSN": dsn}
	return config.Parse("scopegate-demo.yaml", []byte(y), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
}

func randomSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func printDemoBanner(w io.Writer, p demoPorts, issuer, cliSecret string) {
	fmt.Fprintf(w, `
scopegate demo: the photo-printing scenario is running on this machine.

  Open PrintMyPhotos:      http://localhost:%d   <- start here
  scopegate (auth+gateway): %s
    discovery:              %s/.well-known/openid-configuration
    your account page:      %s/oauth2/account
    the drive's web gallery: %s/gallery/   (sign in with your browser)
  legacy photo API:         http://127.0.0.1:%d   (trusts X-Auth-Subject: only the gateway may call it)
  admin (health, metrics):  http://127.0.0.1:%d/healthz

Demo logins (they only exist in this demo):
`, p.shop, issuer, issuer, issuer, issuer, p.photoAPI, p.admin)
	for _, l := range demo.Logins() {
		fmt.Fprintf(w, "  %-8s password %s\n", l.Username, l.Password)
	}
	fmt.Fprintf(w, `
Try the gateway yourself:
  curl -i %[1]s/status                 # public route: 200
  curl -i %[1]s/photos                 # no token: 401
  TOKEN=$(curl -s -u %[2]s:%[3]s -d grant_type=client_credentials %[1]s/oauth2/token \
          | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  curl -i -H "Authorization: Bearer $TOKEN" %[1]s/photos            # 200 (demo-cli owns no photos)
  curl -i -X POST -H "Authorization: Bearer $TOKEN" %[1]s/photos    # 403 insufficient_scope
  curl -i -H "Authorization: Bearer $TOKEN" %[1]s/admin             # 404 no route

Press Ctrl-C to stop; the demo's data is thrown away.

`, issuer, demo.CLIClientID, cliSecret)
}
