package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"gopkg.in/yaml.v3"

	"github.com/scopegate/scopegate/authserver"
	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/store/sqlite"
)

// rawAuthServer is the authserver section read without config's checks,
// to hand serve's constructor what a file says even when check refuses it.
type rawAuthServer struct {
	AuthServer struct {
		Issuer string
		Scopes map[string]string
		Users  []struct {
			Username     string
			PasswordHash string `yaml:"password_hash"`
		}
		Clients []struct {
			ID           string
			Secret       string
			RedirectURIs []string `yaml:"redirect_uris"`
			GrantTypes   []string `yaml:"grant_types"`
			Scopes       []string
		}
	}
}

// TestCheckAgreesWithServe: over a corpus of configs, `scopegate check`
// accepts exactly those that `scopegate serve` can start. For each file
// check's verdict (config.Parse) must equal serve's: the authorization
// server's constructor given the file's values unchecked, and for an
// accepted file the whole app. The file's name says which verdict is
// expected, so a rule dropped from both sides is caught too.
func TestCheckAgreesWithServe(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/checkserve/*.yaml")
	if err != nil || len(files) < 10 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			wantOK := strings.HasPrefix(name, "accept-")
			f, checkErr := config.Parse(path, data, nil)
			serveErr := serveAccepts(t, data)
			if (checkErr == nil) != (serveErr == nil) {
				t.Fatalf("check and serve disagree:\ncheck: %v\nserve: %v", checkErr, serveErr)
			}
			if (checkErr == nil) != wantOK {
				t.Fatalf("both say ok=%v, want ok=%v (check: %v)", checkErr == nil, wantOK, checkErr)
			}
			if checkErr != nil {
				return
			}
			f.Store.DSN = filepath.Join(t.TempDir(), "s.db")
			a, err := newApp(context.Background(), f, "", zap.NewNop(), nil)
			if err != nil {
				t.Fatalf("check accepts the file but serve cannot start it: %v", err)
			}
			a.Close()
		})
	}
}

// serveAccepts builds the authorization server from the file's values as
// they are, with none of check's rules applied.
func serveAccepts(t *testing.T, data []byte) error {
	t.Helper()
	var raw rawAuthServer
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	r := raw.AuthServer
	cfg := authserver.Config{Issuer: r.Issuer}
	if cfg.Issuer == "" {
		cfg.Issuer = config.DefaultIssuer
	}
	for n, d := range r.Scopes {
		cfg.Scopes = append(cfg.Scopes, authserver.Scope{Name: n, Description: d})
	}
	for _, u := range r.Users {
		cfg.Users = append(cfg.Users, authserver.User{Username: u.Username, PasswordHash: u.PasswordHash})
	}
	for _, c := range r.Clients {
		cfg.Clients = append(cfg.Clients, authserver.Client{ID: c.ID, Secret: c.Secret,
			RedirectURIs: c.RedirectURIs, GrantTypes: c.GrantTypes, Scopes: c.Scopes})
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "raw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg.Store = st
	_, err = authserver.New(context.Background(), cfg)
	return err
}
