package authserver

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"
)

// BenchmarkClientCredentials measures client_credentials tokens per second
// over real HTTP, client and server in this process. Run with -cpu 1 for
// the one-core figure:
//
//	go test ./authserver -run '^$' -bench ClientCredentials -cpu 1
func BenchmarkClientCredentials(b *testing.B) {
	for _, tc := range []struct{ name, id, secret string }{
		{"plaintext-secret", "batch-job", batchSecret},
		{"bcrypt-secret", "hashed-job", hashedSecret},
	} {
		b.Run(tc.name, func(b *testing.B) {
			env := newTestServer(b, func(c *Config) { c.Logger = zap.NewNop() })
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			body := []byte(url.Values{"grant_type": {"client_credentials"}, "scope": {"photos.read"}}.Encode())
			tokenURL := env.ts.URL + "/oauth2/token"
			b.SetParallelism(8) // keep the one core busy while requests are in flight
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, tokenURL, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.SetBasicAuth(tc.id, tc.secret)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// BenchmarkAuthCodeFlow measures complete flows per second: authorize,
// login (bcrypt at MinCost), consent, token. Each iteration is a new
// browser, so login and consent happen every time. The sub-benchmarks
// compare flows without an ID token, with an ES256 one and with the
// default RS256 one.
//
//	go test ./authserver -run '^$' -bench AuthCodeFlow -benchmem -cpu 1
func BenchmarkAuthCodeFlow(b *testing.B) {
	benchmarkAuthCodeFlow(b, bcrypt.MinCost)
}

// BenchmarkAuthCodeFlowCost12 is BenchmarkAuthCodeFlow with alice's password
// hashed at cost 12, as `scopegate hash-password` makes them: the login,
// not the ID token's signature, then sets the pace.
//
//	go test ./authserver -run '^$' -bench AuthCodeFlowCost12 -benchtime 20x -cpu 1
func BenchmarkAuthCodeFlowCost12(b *testing.B) {
	benchmarkAuthCodeFlow(b, 12)
}

func benchmarkAuthCodeFlow(b *testing.B, cost int) {
	hash, err := bcrypt.GenerateFromPassword([]byte(alicePassword), cost)
	if err != nil {
		b.Fatal(err)
	}
	env := newTestServer(b, func(c *Config) {
		c.Logger = zap.NewNop()
		withESClient(c)
		c.Users[0].PasswordHash = string(hash)
	})
	for _, tc := range []struct{ name, client, secret, scope string }{
		{"no-id-token", printerID, printerSecret, "photos.read"},
		{"id-token-ES256", esClientID, esClientSecret, "openid profile email"},
		{"id-token-RS256", printerID, printerSecret, "openid profile email"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			authURL := env.authURL(url.Values{"client_id": {tc.client}, "response_type": {"code"}, "scope": {tc.scope}})
			creds := []string{tc.client, tc.secret}
			b.ResetTimer()
			for range b.N {
				br := newBrowser(b, env)
				q := redirectParams(b, br.authorize(authURL, "alice", alicePassword))
				res := env.callToken(b, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}}, basic: creds})
				if res.status != http.StatusOK {
					b.Fatalf("token: status %d %v", res.status, res.json)
				}
				// A fresh user each time would need many users; instead the
				// consent is removed so that the page is shown every time.
				b.StopTimer()
				if g, err := env.store.LiveGrant(b.Context(), "alice", tc.client); err == nil {
					_, _ = env.store.RevokeGrant(b.Context(), g.ID, time.Now())
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
		})
	}
}

// BenchmarkCodeExchange measures the token request of the code flow alone
// (client authentication, code redemption, access token, and the ID token
// when openid was asked), over real HTTP. Codes are obtained outside the
// timer by a signed-in browser whose consent is remembered. The
// sub-benchmarks compare no ID token, an ES256 one and the default RS256:
//
//	go test ./authserver -run '^$' -bench CodeExchange -benchmem -cpu 1
func BenchmarkCodeExchange(b *testing.B) {
	env := newTestServer(b, func(c *Config) { c.Logger = zap.NewNop(); withESClient(c) })
	for _, tc := range []struct{ name, client, secret, redirect, scope string }{
		{"no-id-token", printerID, printerSecret, printerRedir, "photos.read"},
		{"id-token-ES256", esClientID, esClientSecret, esRedirect, "openid profile email"},
		{"id-token-RS256", printerID, printerSecret, printerRedir, "openid profile email"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			br := newBrowser(b, env)
			authURL := env.authURL(url.Values{"client_id": {tc.client}, "response_type": {"code"}, "scope": {tc.scope}})
			redirectParams(b, br.authorize(authURL, "alice", alicePassword)) // sign in and consent once
			creds := []string{tc.client, tc.secret}
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				code := redirectParams(b, br.get(authURL)).Get("code")
				b.StartTimer()
				res := env.callToken(b, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code}}, basic: creds})
				if res.status != http.StatusOK {
					b.Fatalf("token: status %d %v", res.status, res.json)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exchanges/s")
		})
	}
}
