package proxy_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scopegate/scopegate/proxy"
	"github.com/scopegate/scopegate/token"
)

// BenchmarkGatewayRevoked100k is BenchmarkGateway/1000tokens with a
// revocation list of 100,000 entries (50,000 token IDs and 50,000 grant
// IDs, as a busy instance sharing a store could hold) and tokens that
// each name a live grant, so that every request looks up both its jti and
// its gid. Compare with the others in the same run:
//
//	go test -run '^$' -bench 'BareReverseProxy|Gateway$|GatewayRevoked' -benchtime 2000x -count 3 ./proxy
func BenchmarkGatewayRevoked100k(b *testing.B) {
	revoked := new(token.RevocationList)
	until := time.Now().Add(time.Hour)
	for i := range 50_000 {
		revoked.Add(fmt.Sprintf("revoked-token-%d", i), until)
		revoked.RevokeGrant(fmt.Sprintf("revoked-grant-%d", i), until)
	}
	if revoked.Len() != 100_000 {
		b.Fatalf("revocation list holds %d entries; want 100000", revoked.Len())
	}
	e := newEnv(b, nil)
	v, err := token.NewVerifier(token.Config{Issuers: []token.Issuer{{URL: testIssuer, Audience: testAudience,
		Keys: e.key.KeySet(), Revoked: revoked}}})
	if err != nil {
		b.Fatal(err)
	}
	gw, err := proxy.New(proxy.Config{
		Policy:    compileRoutes(b),
		Upstreams: map[string]proxy.Upstream{"photos": {URL: mustURL(b, e.back.URL)}},
		Verifier:  v,
	})
	if err != nil {
		b.Fatal(err)
	}
	e.front.Config.Handler = gw
	e.back.setHandler(benchHandler)
	toks := make([]string, 1000)
	for i := range toks {
		c := e.key.Claims(testIssuer, testAudience, "alice", "photos.read")
		c.GrantID = fmt.Sprintf("live-grant-%d", i)
		toks[i] = e.key.Sign(b, c)
		if _, err := v.Verify(context.Background(), toks[i]); err != nil {
			b.Fatal(err)
		}
	}
	runBench(b, e.front, toks)
}
