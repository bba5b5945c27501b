package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/scopegate/scopegate/internal/demo/photoapi"
)

// runDemoAPI serves the demo's legacy photo API alone, for a deployment
// where scopegate runs elsewhere (the docker-compose file in deploy/). The
// API trusts X-Auth-Subject as every backend behind scopegate does, so it
// must be reachable only from scopegate: a private network, never a
// published port.
func runDemoAPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo-api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9000", "address to serve the photo API on")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("demo-api takes no arguments: %w", errUsage)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("photo API: %w", err)
	}
	srv := &http.Server{Handler: photoapi.New(photoapi.Config{}), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "photo API listening on %s (only scopegate may reach it)\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
