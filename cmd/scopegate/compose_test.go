package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scopegate/scopegate/config"
)

// composeFile is the part of the Compose specification
// (https://docs.docker.com/reference/compose-file/) the test reads.
type composeFile struct {
	Services map[string]struct {
		Build       any               `yaml:"build"`
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Volumes     []string          `yaml:"volumes"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
	} `yaml:"services"`
}

// composeVar is Compose's interpolation: ${NAME}, ${NAME:-default},
// ${NAME:?error}.
var composeVar = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}`)

// TestComposeFile: Docker cannot run here, so deploy/docker-compose.yaml is
// checked by reading it: two scopegate instances run `serve` on one
// mounted config that `scopegate check` accepts with the environment the
// file gives them, on PostgreSQL (the postgres service) in front of the
// photo-api service (`scopegate demo-api`); neither the database, the
// photo API nor an admin port is published.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(raw, &cf); err != nil {
		t.Fatalf("parsing docker-compose.yaml: %v", err)
	}
	for _, name := range []string{"scopegate-1", "scopegate-2", "postgres", "photo-api"} {
		if _, ok := cf.Services[name]; !ok {
			t.Fatalf("docker-compose.yaml has no service %q", name)
		}
	}
	for _, name := range []string{"postgres", "photo-api"} {
		if p := cf.Services[name].Ports; len(p) > 0 {
			t.Errorf("service %s publishes %v; it must be reachable only on the private network", name, p)
		}
	}
	api := cf.Services["photo-api"]
	if len(api.Command) == 0 || api.Command[0] != "demo-api" || api.Build == nil {
		t.Errorf("photo-api runs %v (build %v); want the image built here running demo-api", api.Command, api.Build)
	}

	// A secret set the way the file's comment tells the operator to.
	secrets := map[string]string{
		"POSTGRES_PASSWORD":        "pg-password-0123456789abcdef",
		"SCOPEGATE_SESSION_SECRET": strings.Repeat("s", config.MinSessionSecretLength),
		"PHOTO_PRINTER_SECRET":     "printer-secret-0123456789",
	}
	one, two := cf.Services["scopegate-1"], cf.Services["scopegate-2"]
	if !slices.Equal(one.Command, two.Command) || !slices.Equal(one.Volumes, two.Volumes) || len(one.Environment) != len(two.Environment) {
		t.Fatal("the two scopegate instances do not run the same command, config and environment")
	}
	for _, svc := range []string{"scopegate-1", "scopegate-2"} {
		for _, p := range cf.Services[svc].Ports {
			if strings.HasSuffix(p, ":9090") {
				t.Errorf("%s publishes the admin port (%s)", svc, p)
			}
		}
	}
	i := slices.Index(one.Command, "--config")
	if len(one.Command) == 0 || one.Command[0] != "serve" || i < 0 || i+1 >= len(one.Command) {
		t.Fatalf("scopegate runs %v; want serve --config FILE", one.Command)
	}
	inContainer := one.Command[i+1]
	var onHost string
	for _, v := range one.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == inContainer {
			onHost = filepath.Join("../../deploy", parts[0])
		}
	}
	if onHost == "" {
		t.Fatalf("%s is not mounted from the host (volumes %v)", inContainer, one.Volumes)
	}

	// The environment as Compose would interpolate it, set for check.
	for k, v := range one.Environment {
		v = composeVar.ReplaceAllStringFunc(v, func(m string) string {
			g := composeVar.FindStringSubmatch(m)
			if s, ok := secrets[g[1]]; ok {
				return s
			}
			if g[2] == "-" {
				return g[3]
			}
			t.Errorf("environment %s needs ${%s}, which the file's instructions do not set", k, g[1])
			return ""
		})
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	if err := runCheck([]string{"--config", onHost}, &stdout, &stderr); err != nil {
		t.Fatalf("scopegate check %s: %v\n%s", onHost, err, stderr.String())
	}
	f, _, err := loadConfigFile(onHost, os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	if f.Store.Driver != "postgres" {
		t.Errorf("store driver %q; want postgres, which the instances share", f.Store.Driver)
	}
	if u, err := url.Parse(f.Store.DSN); err != nil || u.Hostname() != "postgres" {
		t.Errorf("store dsn host %v (%v); want the postgres service", u, err)
	}
	for _, up := range f.Gateway.Upstreams {
		if u := up.URL; u.Hostname() != "photo-api" || u.Port() != "9000" {
			t.Errorf("upstream %s is %s; want the photo-api service on :9000", up.Name, up.URL)
		}
	}
}

// TestDemoAPIAlone: `scopegate demo-api` serves the demo photo API on its
// own, as the compose file's photo-api service runs it.
func TestDemoAPIAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("drawing the demo photos takes seconds; skipped with -short")
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- runDemoAPI(ctx, []string{"--listen", "127.0.0.1:0"}, pw, io.Discard); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("demo-api printed nothing: %v", err)
	}
	go io.Copy(io.Discard, pr)
	fields := strings.Fields(line) // "photo API listening on ADDR (...)"
	if len(fields) < 5 {
		t.Fatalf("demo-api said %q", line)
	}
	res, err := http.Get("http://" + fields[4] + "/status")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /status on demo-api: %d, want 200", res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo-api after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("demo-api did not stop")
	}
}
