package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestCheckAcceptsExampleConfig keeps config.example.yaml, which the README
// tells operators to start from, valid.
func TestCheckAcceptsExampleConfig(t *testing.T) {
	t.Setenv("PRINTER_SECRET", "an-example-secret-for-the-test")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"check", "--config", "../../config.example.yaml"}, nil, &out, &errOut)
	if err != nil {
		t.Fatalf("scopegate check config.example.yaml: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "ok") {
		t.Errorf("check printed %q, want an ok line", out.String())
	}
}

func TestCheckReportsEveryProblemWithPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	bad := `server:
  listen: ":8080"
  admin_listen: "127.0.0.1:9090"
authserver:
  issuer: "http://localhost:8080"
  access_token_ttl: ten minutes
  scopes:
    photos.read: See your photos
gateway:
  upstreams:
    photos:
      url: "http://127.0.0.1:9000"
  routes:
    - route: "GET /photos/{id}"
      upstream: fotos
      scopes: [photos.read]
    - route: "GET /photos/{name}"
      upstream: photos
      scopes: [photos.admin]
`
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"check", "--config", path}, nil, &out, &errOut)
	var exit exitError
	if !errors.As(err, &exit) || exit.code != 1 {
		t.Fatalf("check of a bad config returned %v, want exit status 1", err)
	}
	got := errOut.String()
	for _, want := range []string{
		path + ":6:21: ",  // the bad duration
		path + ":15:17: ", // the unknown upstream
		path + ":17:14: ", // the conflicting route
		path + ":19:16: ", // the undeclared scope
	} {
		if !strings.Contains(got, want) {
			t.Errorf("check output lacks a problem at %q; got:\n%s", want, got)
		}
	}
}

func TestHashPassword(t *testing.T) {
	t.Parallel() // waits on Chromium or bcrypt; overlaps with the rest
	var out bytes.Buffer
	if err := run(context.Background(), []string{"hash-password"}, strings.NewReader("s3cret photos\n"), &out, &out); err != nil {
		t.Fatal(err)
	}
	hash := strings.TrimSpace(out.String())
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("s3cret photos")); err != nil {
		t.Errorf("printed hash %q does not verify the password: %v", hash, err)
	}
	for _, in := range []string{"", "\n", strings.Repeat("x", 73)} {
		if err := run(context.Background(), []string{"hash-password"}, strings.NewReader(in), &out, &out); err == nil {
			t.Errorf("hash-password accepted %q", in)
		}
	}
}
