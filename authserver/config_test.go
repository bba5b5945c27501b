package authserver

import (
	"context"
	"strings"
	"testing"
)

// TestConfigValidation: New refuses configurations that would break a
// security statement, naming the problem.
func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"client id equals a username (A.30)", func(c *Config) { c.Clients[2].ID = "Alice" }, `client "Alice": id equals a username`},
		{"username with trailing space", func(c *Config) {
			c.Users = append(c.Users, User{Username: "alice ", PasswordHash: c.Users[0].PasswordHash})
		}, "must not start or end with white space"},
		{"client id with a line break", func(c *Config) { c.Clients[0].ID = "printer\r\nX-Evil: 1" }, "control characters"},
		{"http redirect to a public host (A.6)", func(c *Config) { c.Clients[0].RedirectURIs = []string{"http://printer.example/cb"} }, "http only with host localhost"},
		{"redirect with fragment", func(c *Config) { c.Clients[0].RedirectURIs = []string{"https://printer.example/cb#x"} }, "fragment"},
		{"relative redirect", func(c *Config) { c.Clients[0].RedirectURIs = []string{"/cb"} }, "must be an absolute URI"},
		{"redirect with a scheme that is not reverse-domain", func(c *Config) { c.Clients[0].RedirectURIs = []string{"javascript:alert(1)"} }, "private-use scheme"},
		{"undeclared scope", func(c *Config) { c.Clients[0].Scopes = []string{"admin"} }, `scope "admin" is not declared`},
		{"public client with client_credentials", func(c *Config) { c.Clients[1].GrantTypes = []string{"client_credentials"} }, "public client cannot use client_credentials"},
		{"password grant", func(c *Config) { c.Clients[0].GrantTypes = []string{"password"} }, `grant type "password" is not supported`},
		{"both secret and hash", func(c *Config) { c.Clients[3].Secret = batchSecret }, "not both"},
		{"short secret", func(c *Config) { c.Clients[2].Secret = "short" }, "shorter than 16"},
		{"plaintext password", func(c *Config) { c.Users[0].PasswordHash = "hunter2" }, "bcrypt"},
		{"issuer with trailing slash", func(c *Config) { c.Issuer += "/" }, "trailing slash"},
		{"issuer with a path", func(c *Config) { c.Issuer += "/auth" }, "no path"},
		{"http issuer on a public host", func(c *Config) { c.Issuer = "http://auth.example.com" }, "must use https"},
		{"code lifetime over 10 minutes", func(c *Config) { c.CodeTTL = 11 * 60e9 }, "exceeds 10m"},
		{"no store", func(c *Config) { c.Store = nil }, "store is required"},
	}
	base := newTestServer(t, nil).cfg
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.Users = append([]User(nil), base.Users...)
			cfg.Clients = append([]Client(nil), base.Clients...)
			tc.change(&cfg)
			_, err := New(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("New: err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
