package token_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

// countingKeySet counts signature checks and can be switched to refuse
// everything, as if the key had been withdrawn.
type countingKeySet struct {
	next   oidc.KeySet
	calls  atomic.Int64
	refuse atomic.Bool
}

func (k *countingKeySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	k.calls.Add(1)
	if k.refuse.Load() {
		return nil, errors.New("key withdrawn")
	}
	return k.next.VerifySignature(ctx, jwt)
}

func newCountingFixture(t *testing.T, change func(*token.Config)) (*fixture, *countingKeySet) {
	t.Helper()
	var ks *countingKeySet
	f := newFixture(t, func(c *token.Config) {
		ks = &countingKeySet{next: c.Issuers[0].Keys}
		c.Issuers[0].Keys = ks
		if change != nil {
			change(c)
		}
	})
	return f, ks
}

func TestCacheSkipsSignatureOnRepeat(t *testing.T) {
	f, ks := newCountingFixture(t, nil)
	raw := f.keyA.Sign(t, f.claimsA())
	first, err := f.v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("Verify = %v", err)
	}
	for range 5 {
		got, err := f.v.Verify(context.Background(), raw)
		if err != nil || got != first {
			t.Fatalf("cached Verify = %p, %v; want the same claims %p", got, err, first)
		}
	}
	if got := ks.calls.Load(); got != 1 {
		t.Errorf("signature checked %d times for 6 calls; want 1", got)
	}
}

func TestCachedTokenExpiresWhileCached(t *testing.T) {
	f, ks := newCountingFixture(t, func(c *token.Config) { c.CacheMaxAge = 24 * time.Hour })
	c := f.claimsA()
	c.Expiry = f.clock.t.Add(2 * time.Minute)
	raw := f.keyA.Sign(t, c)
	if _, err := f.v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	f.clock.t = c.Expiry.Add(token.DefaultLeeway)
	if _, err := f.v.Verify(context.Background(), raw); !errors.Is(err, token.ErrExpired) {
		t.Errorf("Verify after exp+leeway of a cached token = %v; want %v", err, token.ErrExpired)
	}
	if got := ks.calls.Load(); got != 1 {
		t.Errorf("signature checked %d times; want 1 (expiry is refused before the signature)", got)
	}
}

func TestCachedTokenNotBeforeIsRechecked(t *testing.T) {
	// A token accepted within the leeway of its nbf stays accepted; this
	// checks the leeway is the same on both paths.
	f, _ := newCountingFixture(t, nil)
	c := f.claimsA()
	c.NotBefore = f.clock.t.Add(20 * time.Second)
	raw := f.keyA.Sign(t, c)
	for i := range 2 {
		if _, err := f.v.Verify(context.Background(), raw); err != nil {
			t.Fatalf("Verify #%d within nbf leeway = %v; want accepted", i, err)
		}
	}
}

func TestCacheMaxAgeForcesSignatureCheck(t *testing.T) {
	f, ks := newCountingFixture(t, nil)
	raw := f.keyA.Sign(t, f.claimsA())
	if _, err := f.v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	ks.refuse.Store(true)
	if _, err := f.v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify within cache max age = %v; want accepted from cache", err)
	}
	f.clock.t = f.clock.t.Add(token.DefaultCacheMaxAge)
	if _, err := f.v.Verify(context.Background(), raw); !errors.Is(err, token.ErrSignature) {
		t.Errorf("Verify after cache max age with key withdrawn = %v; want %v", err, token.ErrSignature)
	}
}

func TestCacheDoesNotCrossVerifiers(t *testing.T) {
	// The gateway of one resource must not accept a token because another
	// resource's verifier with the same keys has seen it (threat model B.8).
	key := tokentest.NewKey(t)
	clk := newClock()
	mk := func(aud string) *token.Verifier {
		v, err := token.NewVerifier(token.Config{
			Issuers: []token.Issuer{{URL: issuerA, Audience: aud, Keys: key.KeySet()}},
			Now:     clk.now,
		})
		if err != nil {
			t.Fatalf("NewVerifier: %v", err)
		}
		return v
	}
	photos, billing := mk(audGW), mk("https://billing.example")
	raw := key.Sign(t, tokentest.ClaimsAt(clk.t, issuerA, audGW, subject))
	if _, err := photos.Verify(context.Background(), raw); err != nil {
		t.Fatalf("photos Verify = %v", err)
	}
	if _, err := billing.Verify(context.Background(), raw); !errors.Is(err, token.ErrAudience) {
		t.Errorf("billing Verify of a token cached by photos = %v; want %v", err, token.ErrAudience)
	}
}

func TestCacheDisabledChecksEveryTime(t *testing.T) {
	f, ks := newCountingFixture(t, func(c *token.Config) { c.CacheSize = -1 })
	raw := f.keyA.Sign(t, f.claimsA())
	for range 3 {
		if _, err := f.v.Verify(context.Background(), raw); err != nil {
			t.Fatalf("Verify = %v", err)
		}
	}
	if got := ks.calls.Load(); got != 3 {
		t.Errorf("signature checked %d times with cache disabled; want 3", got)
	}
}

func TestCacheBoundedUnderManyTokens(t *testing.T) {
	// With room for few entries, many distinct tokens still verify and
	// older ones are evicted rather than kept: re-verifying one costs a
	// signature check again.
	f, ks := newCountingFixture(t, func(c *token.Config) { c.CacheSize = 64 })
	raws := make([]string, 500)
	for i := range raws {
		raws[i] = f.keyA.Sign(t, f.claimsA())
		if _, err := f.v.Verify(context.Background(), raws[i]); err != nil {
			t.Fatalf("Verify #%d = %v", i, err)
		}
	}
	before := ks.calls.Load()
	for _, raw := range raws {
		if _, err := f.v.Verify(context.Background(), raw); err != nil {
			t.Fatalf("Verify again = %v", err)
		}
	}
	if hits := int64(len(raws)) - (ks.calls.Load() - before); hits > 64 {
		t.Errorf("%d of %d tokens were still cached with CacheSize 64; want the cache bounded", hits, len(raws))
	}
}

func TestVerifyCacheHitAllocatesNothing(t *testing.T) {
	f, _ := newCountingFixture(t, nil)
	raw := f.keyA.Sign(t, f.claimsA())
	ctx := context.Background()
	if _, err := f.v.Verify(ctx, raw); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := f.v.Verify(ctx, raw); err != nil {
			t.Fatalf("Verify = %v", err)
		}
	})
	if allocs != 0 {
		t.Errorf("cache hit made %v allocations; want 0", allocs)
	}
}

func TestVerifyConcurrent(t *testing.T) {
	f, _ := newCountingFixture(t, func(c *token.Config) { c.CacheSize = 16 })
	raws := make([]string, 40)
	for i := range raws {
		raws[i] = f.keyA.Sign(t, f.claimsA())
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if _, err := f.v.Verify(context.Background(), raws[(g*7+i)%len(raws)]); err != nil {
					t.Errorf("Verify = %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}
