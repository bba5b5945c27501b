package token_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

const (
	issuerA   = "https://as.photos.example"
	issuerB   = "https://other.example"
	audGW     = "https://gateway.photos.example"
	subject   = "user-42"
	readScope = "photos.read"
)

// clock is a settable time source shared by a test and its Verifier.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

type fixture struct {
	keyA, keyB *tokentest.Key
	clock      *clock
	v          *token.Verifier
}

func newFixture(t *testing.T, change func(*token.Config)) *fixture {
	t.Helper()
	f := &fixture{keyA: tokentest.NewKey(t), keyB: tokentest.NewKey(t), clock: newClock()}
	cfg := token.Config{
		Issuers: []token.Issuer{
			{URL: issuerA, Audience: audGW, Keys: f.keyA.KeySet()},
			{URL: issuerB, Audience: audGW, Keys: f.keyB.KeySet()},
		},
		Now: f.clock.now,
	}
	if change != nil {
		change(&cfg)
	}
	v, err := token.NewVerifier(cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	f.v = v
	return f
}

// claimsA returns valid claims of issuer A at the fixture's clock.
func (f *fixture) claimsA() token.Claims {
	return tokentest.ClaimsAt(f.clock.t, issuerA, audGW, subject, readScope)
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name string
		// build returns the token to verify.
		build func(t *testing.T, f *fixture) string
		want  error // nil: accepted
	}{
		{"valid", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, f.claimsA())
		}, nil},
		{"valid from second issuer", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.Issuer = issuerB
			return f.keyB.Sign(t, c)
		}, nil},
		{"typ application/at+jwt any case", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, f.claimsA(), tokentest.WithType("Application/AT+JWT"))
		}, nil},
		{"aud as array containing us", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.Audience = []string{"https://elsewhere.example", audGW}
			return f.keyA.Sign(t, c)
		}, nil},
		{"expired", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.IssuedAt = c.IssuedAt.Add(-2 * time.Hour)
			c.Expiry = f.clock.t.Add(-time.Minute)
			return f.keyA.Sign(t, c)
		}, token.ErrExpired},
		{"expired within leeway is accepted", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.Expiry = f.clock.t.Add(-10 * time.Second)
			return f.keyA.Sign(t, c)
		}, nil},
		{"no exp", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.Expiry = time.Time{}
			return f.keyA.Sign(t, c)
		}, token.ErrMalformed},
		{"nbf in future", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.NotBefore = f.clock.t.Add(10 * time.Minute)
			return f.keyA.Sign(t, c)
		}, token.ErrNotYetValid},
		{"iat in future", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.IssuedAt = f.clock.t.Add(10 * time.Minute)
			return f.keyA.Sign(t, c)
		}, token.ErrNotYetValid},
		{"wrong iss", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.Issuer = "https://evil.example"
			return f.keyA.Sign(t, c)
		}, token.ErrIssuer},
		{"iss with trailing slash", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.Issuer = issuerA + "/"
			return f.keyA.Sign(t, c)
		}, token.ErrIssuer},
		{"wrong aud", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.Audience = []string{"https://other-api.example"}
			return f.keyA.Sign(t, c)
		}, token.ErrAudience},
		{"no sub", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.Subject = ""
			return f.keyA.Sign(t, c)
		}, token.ErrMalformed},
		{"no client_id", func(t *testing.T, f *fixture) string {
			c := f.claimsA()
			c.ClientID = ""
			return f.keyA.Sign(t, c)
		}, token.ErrMalformed},
		{"typ JWT (an ID token)", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, f.claimsA(), tokentest.WithType("JWT"))
		}, token.ErrType},
		{"typ missing", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, f.claimsA(), tokentest.WithType(""))
		}, token.ErrType},
		{"typ not a string", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, f.claimsA(), tokentest.WithHeader("typ", 7))
		}, token.ErrType},
		{"kid missing", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, f.claimsA(), tokentest.WithKeyID(""))
		}, token.ErrMalformed},
		{"alg none", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, f.claimsA(), tokentest.WithAlg("none"))
		}, token.ErrMalformed},
		{"HS256 keyed with the public key", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, f.claimsA(), tokentest.WithAlg("HS256"))
		}, token.ErrAlgorithm},
		{"ES384 header", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, f.claimsA(), tokentest.WithAlg("ES384"))
		}, token.ErrAlgorithm},
		{"crit header", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, f.claimsA(), tokentest.WithHeader("crit", []string{"exp"}))
		}, token.ErrMalformed},
		{"signed by another issuer's key", func(t *testing.T, f *fixture) string {
			return f.keyB.Sign(t, f.claimsA())
		}, token.ErrSignature},
		{"unknown key", func(t *testing.T, f *fixture) string {
			return tokentest.NewKey(t).Sign(t, f.claimsA())
		}, token.ErrSignature},
		{"tampered payload", func(t *testing.T, f *fixture) string {
			raw := f.keyA.Sign(t, f.claimsA())
			c := f.claimsA()
			c.Subject = "admin"
			forged := f.keyA.Sign(t, c)
			p := strings.Split(raw, ".")
			q := strings.Split(forged, ".")
			return p[0] + "." + q[1] + "." + p[2]
		}, token.ErrSignature},
		{"signature stripped", func(t *testing.T, f *fixture) string {
			raw := f.keyA.Sign(t, f.claimsA())
			return raw[:strings.LastIndexByte(raw, '.')+1]
		}, token.ErrSignature},
		{"JSON serialization", func(t *testing.T, f *fixture) string {
			p := strings.Split(f.keyA.Sign(t, f.claimsA()), ".")
			return `{"payload":"` + p[1] + `","protected":"` + p[0] + `","signature":"` + p[2] + `"}`
		}, token.ErrMalformed},
		{"claims not JSON", func(t *testing.T, f *fixture) string {
			return f.keyA.Sign(t, token.Claims{}, tokentest.WithPayload([]byte("photos")))
		}, token.ErrMalformed},
		{"empty", func(t *testing.T, f *fixture) string { return "" }, token.ErrMalformed},
		{"too large", func(t *testing.T, f *fixture) string {
			return strings.Repeat("a", 20<<10) + ".b.c"
		}, token.ErrMalformed},
		{"two dots only", func(t *testing.T, f *fixture) string {
			return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","typ":"at+jwt","kid":"k"}`)) + ".."
		}, token.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			raw := tc.build(t, f)
			got, err := f.v.Verify(context.Background(), raw)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v; want accepted", err)
				}
				if got.Subject != subject || got.ClientID == "" {
					t.Errorf("Verify claims = %+v; want sub %q and a client_id", got, subject)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify accepted the token (claims %+v); want %v", got, tc.want)
			}
			if got != nil {
				t.Errorf("Verify returned claims %+v with error %v; want nil claims", got, err)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify error = %v; want errors.Is %v", err, tc.want)
			}
			var te *token.Error
			if !errors.As(err, &te) {
				t.Fatalf("Verify error %T is not *token.Error", err)
			}
			if raw != "" && strings.Contains(err.Error(), raw[:min(len(raw), 20)]) {
				t.Errorf("error %q echoes the token", err)
			}
			if !fitsErrorDescription(err.Error()) {
				t.Errorf("error %q is not fit for an RFC 6750 error_description", err)
			}
			// A second try must fail the same way: failures are not cached
			// as successes.
			if _, err2 := f.v.Verify(context.Background(), raw); !errors.Is(err2, tc.want) {
				t.Errorf("second Verify error = %v; want %v", err2, tc.want)
			}
		})
	}
}

// fitsErrorDescription reports whether s uses only the characters RFC 6750
// §3 allows in error_description, so the gateway can quote it verbatim.
func fitsErrorDescription(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}
