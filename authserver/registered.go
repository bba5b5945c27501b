package authserver

import (
	"errors"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/token"
)

var (
	errClientGone = errors.New("authserver: the token's client is no longer registered")
	errUserGone   = errors.New("authserver: the token's user is no longer registered")
)

// Registered reports whether the holder of one of this server's access
// tokens is still registered: its client, and the user it acts for unless
// the client acts for itself (client credentials). A federated user counts
// while their identity provider is configured. The gateway asks on every
// request (token.Issuer.Registered), so removing a user or a client from
// the config ends their live tokens at the next reload, not when they
// expire. It reads only this server's config: two map lookups.
func (s *Server) Registered(c *token.Claims) error {
	if _, ok := s.clients[c.ClientID]; !ok {
		return errClientGone
	}
	if c.Subject == c.ClientID || s.knownUser(c.Subject) {
		return nil
	}
	return errUserGone
}

// RegisteredIn is Server.Registered for cfg alone, without a store or a
// running server, so that `scopegate explain` judges a real token's holder
// as serve would.
func RegisteredIn(cfg Config) func(*token.Claims) error {
	s := &Server{users: make(map[string]*User, len(cfg.Users)), clients: make(map[string]*client, len(cfg.Clients)),
		upstreams: make(map[string]*upstream, len(cfg.IdentityProviders))}
	for i := range cfg.Users {
		s.users[oauthrule.CanonicalUsername(cfg.Users[i].Username)] = &cfg.Users[i]
	}
	for _, c := range cfg.Clients {
		s.clients[c.ID] = &client{}
	}
	for _, p := range cfg.IdentityProviders {
		s.upstreams[p.ID] = &upstream{}
	}
	return s.Registered
}
