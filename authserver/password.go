package authserver

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// canonicalUsername is the form usernames are looked up and rate limited
// under, so "Alice " and "alice" count as one account.
func canonicalUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// dummyPasswordHash returns a hash with the highest cost among the users'
// hashes (bcrypt's default without users), compared for unknown usernames
// so that a miss takes as long as a wrong password.
func dummyPasswordHash(users []User) ([]byte, error) {
	cost := 0
	for _, u := range users {
		if c, err := bcrypt.Cost([]byte(u.PasswordHash)); err == nil && c > cost {
			cost = c
		}
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte("scopegate-no-such-user"), cost)
	if err != nil {
		return nil, fmt.Errorf("authserver: creating dummy password hash: %w", err)
	}
	return h, nil
}

// checkPassword returns the user when username and password match. It
// always runs one bcrypt comparison.
func (s *Server) checkPassword(username, password string) *User {
	u := s.users[canonicalUsername(username)]
	if u == nil {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return nil
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil
	}
	return u
}
