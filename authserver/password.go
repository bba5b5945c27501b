package authserver

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/scopegate/scopegate/oauthrule"
)

// dummyPasswordHash returns a hash with the highest cost among the users'
// hashes (bcrypt's default without users), compared for unknown usernames
// so that a miss takes as long as a wrong password.
func dummyPasswordHash(users []User) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte("scopegate-no-such-user"), maxUserCost(users))
	if err != nil {
		return nil, fmt.Errorf("authserver: creating dummy password hash: %w", err)
	}
	return h, nil
}

// maxUserCost is the highest bcrypt cost among the users' hashes, or
// bcrypt's default when there are none.
func maxUserCost(users []User) int {
	cost := 0
	for _, u := range users {
		if c, err := bcrypt.Cost([]byte(u.PasswordHash)); err == nil && c > cost {
			cost = c
		}
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	return cost
}

// dummyCost is the cost of a dummy hash, or 0 when there is none.
func dummyCost(h []byte) int {
	c, _ := bcrypt.Cost(h)
	return c
}

// maxPasswordLen is the most bcrypt reads of a password, in bytes.
const maxPasswordLen = 72

// checkPassword returns the user when username and password match. It
// runs one bcrypt comparison, also for unknown users; busy reports that the
// hash gate was full and nothing was compared.
func (s *Server) checkPassword(ctx context.Context, username, password string) (u *User, busy bool) {
	if len(password) > maxPasswordLen {
		// bcrypt would compare only the first 72 bytes, so a longer
		// password would pass with anything appended. No account can have
		// one (hash-password refuses them): a plain failure, with no hash
		// run to pay for.
		return nil, false
	}
	u = s.users[oauthrule.CanonicalUsername(username)]
	hash := s.dummyHash
	if u != nil {
		hash = []byte(u.PasswordHash)
	}
	ok, busy := s.compareHash(ctx, hash, password)
	if !ok || u == nil {
		return nil, busy
	}
	return u, false
}

// compareHash runs one bcrypt comparison through the hash gate.
func (s *Server) compareHash(ctx context.Context, hash []byte, secret string) (ok, busy bool) {
	if !s.hashes.acquire(ctx) {
		return false, true
	}
	defer s.hashes.release()
	return s.bcryptCompare(hash, []byte(secret)) == nil, false
}
