package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/config"
)

// serveApp parses yaml as the config file name, builds the app serve would
// run from it and starts front with the app's public handler, until the
// test ends, and returns the app and the parsed file. front is unstarted,
// so that yaml can name its address.
func serveApp(t *testing.T, front *httptest.Server, name, yaml string) (*app, *config.File) {
	t.Helper()
	f, err := config.Parse(name, []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(context.Background(), f, "", zap.NewNop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	front.Config.Handler = a.public
	front.Start()
	t.Cleanup(func() { front.Close(); a.Close() })
	return a, f
}
