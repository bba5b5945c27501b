package token_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

func newBenchVerifier(b *testing.B, cacheSize int) (*token.Verifier, *tokentest.Key) {
	b.Helper()
	key := tokentest.NewKey(b)
	// As in production (cmd/scopegate), with revocations of other tokens
	// and grants in the list, so every call pays for both lookups.
	revoked := new(token.RevocationList)
	for i := range 1000 {
		revoked.Add(fmt.Sprintf("revoked-%d", i), time.Now().Add(time.Hour))
		revoked.RevokeGrant(fmt.Sprintf("grant-%d", i), time.Now().Add(time.Hour))
	}
	v, err := token.NewVerifier(token.Config{
		Issuers:   []token.Issuer{{URL: issuerA, Audience: audGW, Keys: key.KeySet(), Revoked: revoked}},
		CacheSize: cacheSize,
	})
	if err != nil {
		b.Fatalf("NewVerifier: %v", err)
	}
	return v, key
}

func benchTokens(b *testing.B, key *tokentest.Key, n int) []string {
	b.Helper()
	raws := make([]string, n)
	for i := range raws {
		c := tokentest.ClaimsAt(time.Now(), issuerA, audGW, subject, readScope, "photos.write")
		c.GrantID = fmt.Sprintf("live-grant-%d", i) // as tokens issued from a grant carry
		raws[i] = key.Sign(b, c)
	}
	return raws
}

func benchVerify(b *testing.B, v *token.Verifier, raws []string) {
	ctx := context.Background()
	for _, raw := range raws { // warm the cache, outside the timing
		if _, err := v.Verify(ctx, raw); err != nil {
			b.Fatalf("Verify = %v", err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := v.Verify(ctx, raws[i%len(raws)]); err != nil {
				b.Errorf("Verify = %v", err)
				return
			}
			i++
		}
	})
}

func BenchmarkVerifyCached(b *testing.B) {
	v, key := newBenchVerifier(b, 0)
	benchVerify(b, v, benchTokens(b, key, 1))
}

func BenchmarkVerifyCached1000(b *testing.B) {
	v, key := newBenchVerifier(b, 0)
	benchVerify(b, v, benchTokens(b, key, 1000))
}

func BenchmarkVerifyUncached(b *testing.B) {
	v, key := newBenchVerifier(b, -1)
	benchVerify(b, v, benchTokens(b, key, 1))
}

// BenchmarkVerifyCachedNarrowed verifies a token narrowed to 200 picked
// items and looks one up, as the gateway does on a resource route: the
// identifier sets are built once at verification, so a hit stays free.
func BenchmarkVerifyCachedNarrowed(b *testing.B) {
	v, key := newBenchVerifier(b, 0)
	c := tokentest.ClaimsAt(time.Now(), issuerA, audGW, subject, readScope)
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprint(i)
	}
	c.AuthorizationDetails = []token.AuthorizationDetail{{Type: "photos", Actions: []string{"read"}, Identifiers: ids}}
	raw := key.Sign(b, c)
	ctx := context.Background()
	narrowing := []string{readScope}
	if _, err := v.Verify(ctx, raw); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, err := v.Verify(ctx, raw)
			if err != nil {
				b.Errorf("Verify = %v", err)
				return
			}
			if set, narrowed := c.PickedItems("photos", narrowing); !narrowed || set == nil {
				b.Error("not narrowed")
				return
			} else if _, ok := set["150"]; !ok {
				b.Error("150 not held")
				return
			}
		}
	})
}

// BenchmarkRevocationListLoad loads 100,000 revocations (half tokens, half
// grants) into an empty list, as an instance does at start or when
// another instance revoked in bulk: in one AddAll, and one by one.
func BenchmarkRevocationListLoad(b *testing.B) {
	until := time.Now().Add(time.Hour)
	rs := make([]token.Revocation, 100_000)
	for i := range rs {
		rs[i] = token.Revocation{ID: fmt.Sprintf("revoked-%d", i), Grant: i%2 == 1, Until: until}
	}
	b.Run("AddAll", func(b *testing.B) {
		for b.Loop() {
			var l token.RevocationList
			l.AddAll(rs)
		}
	})
	b.Run("one by one", func(b *testing.B) {
		for b.Loop() {
			var l token.RevocationList
			for _, r := range rs {
				if r.Grant {
					l.RevokeGrant(r.ID, r.Until)
				} else {
					l.Add(r.ID, r.Until)
				}
			}
		}
	})
}
