package authserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"time"

	"go.uber.org/zap"
)

// Attempt limits are counted twice. The in-memory limiters (ratelimit.go)
// answer first, without a round trip, and can only refuse earlier: they
// count this instance's attempts, never more than the shared count. The
// shared limits below are counted in the store, so that instances behind a
// load balancer on one database enforce one limit between them rather than
// one each (OWASP Authentication Cheat Sheet, "Protect Against Automated
// Attacks"). A store that cannot count fails closed: the attempt is
// refused as busy, never let through uncounted.

// sharedLimit is one attempt limit kept in the store.
type sharedLimit struct {
	name   string // prefixes the keys, so two limits never share a counter
	max    int
	window time.Duration
}

// The shared limits mirror the in-memory ones set in New.
var (
	sharedLogins   = sharedLimit{"login", 5, 15 * time.Minute}         // per account and address
	sharedAddrs    = sharedLimit{"login-addr", 20, 15 * time.Minute}   // per address
	sharedAccounts = sharedLimit{"login-spread", 10, 15 * time.Minute} // addresses per account
	sharedClient   = sharedLimit{"client", 20, time.Minute}            // per client and address
	sharedClients  = sharedLimit{"client-spread", 5, time.Minute}      // addresses per client
)

// errLimitStore marks a shared limit the store could not count.
var errLimitStore = errors.New("authserver: attempt limits unavailable")

// heldAttempt is one reservation in the store, to give back on success.
type heldAttempt struct {
	key   string
	start time.Time
	// parent, when set, is the spread limit's slot this address took as
	// the first attempt from it; it is given back when the address's own
	// count drops to zero.
	parent *heldAttempt
}

// held is what one check reserved, given back together by refundShared.
type held []heldAttempt

// sharedKey names key under lim in the store. The key is MACed with a
// secret every instance shares (derived from the cookie hash key): the
// table then holds no usernames, which people sometimes type their
// password into, nor addresses, and the keys have a fixed length.
func (s *Server) sharedKey(lim sharedLimit, key string) string {
	m := hmac.New(sha256.New, s.attemptKey)
	m.Write([]byte(lim.name))
	m.Write([]byte{0})
	m.Write([]byte(key))
	return lim.name + ":" + hex.EncodeToString(m.Sum(nil))
}

// reserveShared counts one attempt of key under lim and reports whether
// it was below the limit; a reservation taken is appended to h.
func (s *Server) reserveShared(ctx context.Context, h *held, lim sharedLimit, key string) (bool, error) {
	k := s.sharedKey(lim, key)
	r, ok, err := s.store.ReserveAttempt(ctx, k, lim.max, lim.window, s.now())
	if err != nil {
		return false, errors.Join(errLimitStore, err)
	}
	if ok {
		*h = append(*h, heldAttempt{key: k, start: r.WindowStart})
	}
	return ok, nil
}

// reserveSpread counts addr against key's number of failing addresses:
// the first attempt from addr in its window takes one of lim.max slots of
// key; later ones from the same address pass. A slot is given back when
// the attempt that took it is refunded with nothing else of addr held; if
// a later attempt of addr is the last to go, the slot stays taken until
// the window ends, which errs towards refusing.
func (s *Server) reserveSpread(ctx context.Context, h *held, lim sharedLimit, key, addr string) (bool, error) {
	own := s.sharedKey(sharedLimit{name: lim.name + "-addr"}, pairKey(key, addr))
	r, _, err := s.store.ReserveAttempt(ctx, own, math.MaxInt32, lim.window, s.now())
	if err != nil {
		return false, errors.Join(errLimitStore, err)
	}
	mine := heldAttempt{key: own, start: r.WindowStart}
	if r.Count > 1 {
		*h = append(*h, mine)
		return true, nil
	}
	var slot held
	ok, err := s.reserveShared(ctx, &slot, lim, key)
	if err != nil || !ok {
		s.refundShared(ctx, held{mine})
		return false, err
	}
	mine.parent = &slot[0]
	*h = append(*h, mine)
	return true, nil
}

// refundShared gives back what h holds. A refund that fails leaves the
// attempt counted until its window ends: the error is logged, not
// returned, because erring towards counting is safe.
func (s *Server) refundShared(ctx context.Context, h held) {
	for _, a := range h {
		n, err := s.store.RefundAttempt(ctx, a.key, a.start)
		if err == nil && n == 0 && a.parent != nil {
			_, err = s.store.RefundAttempt(ctx, a.parent.key, a.parent.start)
		}
		if err != nil {
			s.log.Warn("giving back a counted attempt", zap.Error(err))
		}
	}
}

// reserveLoginShared is reserveLogin's shared half.
func (s *Server) reserveLoginShared(ctx context.Context, account, addr string) (held, bool, error) {
	var h held
	steps := []func() (bool, error){
		func() (bool, error) { return s.reserveShared(ctx, &h, sharedLogins, pairKey(account, addr)) },
		func() (bool, error) { return s.reserveShared(ctx, &h, sharedAddrs, addr) },
		func() (bool, error) { return s.reserveSpread(ctx, &h, sharedAccounts, account, addr) },
	}
	for _, step := range steps {
		if ok, err := step(); err != nil || !ok {
			s.refundShared(ctx, h)
			return nil, false, err
		}
	}
	return h, true, nil
}

// reserveClientShared is the shared half of a client secret check.
func (s *Server) reserveClientShared(ctx context.Context, clientID, addr string) (held, bool, error) {
	var h held
	if ok, err := s.reserveShared(ctx, &h, sharedClient, pairKey(clientID, addr)); err != nil || !ok {
		return nil, false, err
	}
	if ok, err := s.reserveSpread(ctx, &h, sharedClients, clientID, addr); err != nil || !ok {
		s.refundShared(ctx, h)
		return nil, false, err
	}
	return h, true, nil
}

// countShared counts a failure that was not reserved ahead (nothing
// expensive was guarded), ignoring whether the limit was reached.
func (s *Server) countShared(ctx context.Context, lim sharedLimit, key string) {
	var h held
	if _, err := s.reserveShared(ctx, &h, lim, key); err != nil {
		s.log.Warn("counting a failed attempt", zap.Error(err))
	}
}
