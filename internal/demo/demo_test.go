package demo

import (
	"slices"
	"testing"

	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"
)

// demoConfig is the part of the config file this test checks against the demo's parts.
type demoConfig struct {
	AuthServer struct {
		Issuer string
		Users  []struct {
			Username     string
			PasswordHash string `yaml:"password_hash"`
		}
		Clients []struct {
			ID           string
			RedirectURIs []string `yaml:"redirect_uris"`
			Scopes       []string
		}
	}
	Gateway struct {
		Upstreams map[string]struct{ URL string }
		Routes    []struct {
			Route  string
			Scopes []string
			Public bool
			Login  string
		}
	}
}

func TestConfigMatchesTheDemo(t *testing.T) {
	var c demoConfig
	if err := yaml.Unmarshal(ConfigYAML(), &c); err != nil {
		t.Fatalf("scopegate-demo.yaml: %v", err)
	}
	if c.AuthServer.Issuer != Issuer {
		t.Errorf("issuer = %q, want %q", c.AuthServer.Issuer, Issuer)
	}
	if got := c.Gateway.Upstreams["photos"].URL; got != "http://"+PhotoAPIAddr {
		t.Errorf("photos upstream = %q, want http://%s", got, PhotoAPIAddr)
	}
	if len(c.AuthServer.Clients) != 2 || c.AuthServer.Clients[0].ID != ClientID ||
		!slices.Equal(c.AuthServer.Clients[0].RedirectURIs, []string{RedirectURL}) ||
		!slices.Equal(c.AuthServer.Clients[0].Scopes, []string{"photos.read"}) {
		t.Errorf("clients = %+v, want %s at %s with photos.read, then the curl client", c.AuthServer.Clients, ClientID, RedirectURL)
	}

	wantRoutes := map[string]string{
		"GET /photos": "photos.read", "GET /photos/{id}": "photos.read", "GET /photos/{id}/image": "photos.read",
		"POST /photos": "photos.write", "DELETE /photos/{id}": "photos.write", "GET /status": "public",
		"GET /gallery/": "login: browser", // the drive's own pages, for signed-in people
	}
	got := map[string]string{}
	for _, r := range c.Gateway.Routes {
		v := "public"
		switch {
		case r.Login == "browser" && len(r.Scopes) == 0:
			v = "login: browser"
		case !r.Public:
			v = slices.Concat(r.Scopes, []string{""})[0]
		}
		got[r.Route] = v
	}
	if len(got) != len(wantRoutes) {
		t.Errorf("routes = %v, want %v", got, wantRoutes)
	}
	for route, want := range wantRoutes {
		if got[route] != want {
			t.Errorf("route %q requires %q, want %q", route, got[route], want)
		}
	}

	hashes := map[string]string{}
	for _, u := range c.AuthServer.Users {
		hashes[u.Username] = u.PasswordHash
	}
	for _, l := range Logins() {
		if err := bcrypt.CompareHashAndPassword([]byte(hashes[l.Username]), []byte(l.Password)); err != nil {
			t.Errorf("login %s: password does not match the config's hash: %v", l.Username, err)
		}
	}
}

func TestCurlClientOnlyReads(t *testing.T) {
	var c struct {
		AuthServer struct {
			Clients []struct {
				ID         string   `yaml:"id"`
				GrantTypes []string `yaml:"grant_types"`
				Scopes     []string `yaml:"scopes"`
			} `yaml:"clients"`
		} `yaml:"authserver"`
	}
	if err := yaml.Unmarshal(ConfigYAML(), &c); err != nil {
		t.Fatal(err)
	}
	i := -1
	for j, cl := range c.AuthServer.Clients {
		if cl.ID == CLIClientID {
			i = j
		}
	}
	if i < 0 {
		t.Fatalf("no %s client in the demo config", CLIClientID)
	}
	cl := c.AuthServer.Clients[i]
	if !slices.Equal(cl.GrantTypes, []string{"client_credentials"}) || !slices.Equal(cl.Scopes, []string{"photos.read"}) {
		t.Errorf("%s: grant_types %v scopes %v, want client_credentials with photos.read only (the README shows its 403 on upload)", CLIClientID, cl.GrantTypes, cl.Scopes)
	}
}
