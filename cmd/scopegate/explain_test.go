package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

var update = flag.Bool("update", false, "rewrite the expected output of golden files")

// TestExplainGolden runs `scopegate explain` against config.example.yaml.
// Each testdata/explain/*.golden file holds the arguments, one per line, a
// "----" line, then the expected output. go test -update rewrites it.
func TestExplainGolden(t *testing.T) {
	t.Setenv("PRINTER_SECRET", "an-example-secret-for-the-test")
	files, err := filepath.Glob("testdata/explain/*.golden")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			argText, want, ok := strings.Cut(string(data), "----\n")
			if !ok {
				t.Fatalf("%s: no ---- separator", file)
			}
			args := []string{"explain", "--config", "../../config.example.yaml"}
			args = append(args, strings.Split(strings.TrimSpace(argText), "\n")...)
			var out bytes.Buffer
			if err := run(context.Background(), args, nil, &out, &out); err != nil {
				t.Fatalf("scopegate %s: %v\n%s", strings.Join(args, " "), err, out.String())
			}
			if *update {
				os.WriteFile(file, []byte(argText+"----\n"+out.String()), 0o644)
				return
			}
			if got := out.String(); got != want {
				t.Errorf("scopegate %s\ngot:\n%s\nwant:\n%s", strings.Join(args, " "), got, want)
			}
		})
	}
}

// TestExplainToken judges real tokens signed by a key explain does not
// hold: the gateway's verifier checks everything but the signature.
func TestExplainToken(t *testing.T) {
	t.Setenv("PRINTER_SECRET", "an-example-secret-for-the-test")
	f, err := config.Load("../../config.example.yaml", os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	key := tokentest.NewKey(t)
	now := time.Now()
	iss := f.AuthServer.Issuer
	// A user's token for a narrowed scope carries the pick (authorization_details).
	pickedClaims := tokentest.ClaimsAt(now, iss, iss, "alice", "photos.read")
	pickedClaims.ClientID = "photo-printer"
	pickedClaims.AuthorizationDetails = []token.AuthorizationDetail{{Type: "photos", Actions: []string{"read"}, Identifiers: []string{"7", "42"}}}
	valid := key.Sign(t, pickedClaims)
	noPickClaims := tokentest.ClaimsAt(now, iss, iss, "alice", "photos.read")
	noPickClaims.ClientID = "photo-printer"
	noPick := key.Sign(t, noPickClaims)
	// Carol is not among config.example.yaml's users: removed, as far as
	// the running config knows.
	removedClaims := pickedClaims
	removedClaims.Subject = "carol"
	removedUser := key.Sign(t, removedClaims)
	clientOwn := tokentest.ClaimsAt(now, iss, iss, "photo-printer", "photos.read")
	clientOwn.ClientID = "photo-printer"
	ownToken := key.Sign(t, clientOwn)
	expired := key.Sign(t, tokentest.ClaimsAt(now.Add(-2*time.Hour), iss, iss, "alice", "photos.read"))
	idToken := key.Sign(t, tokentest.ClaimsAt(now, iss, iss, "alice", "photos.read"), tokentest.WithType("JWT"))
	foreign := key.Sign(t, tokentest.ClaimsAt(now, "https://evil.example", iss, "alice", "photos.read"))
	otherAud := key.Sign(t, tokentest.ClaimsAt(now, iss, "https://other.example", "alice", "photos.read"))

	tests := []struct {
		name, token, method, url string
		want                     []string
	}{
		{"valid token, picked id", valid, "GET", "/photos/42", []string{"sub=alice", "picked:   photos [7 42]", "decision: ALLOW (200)", `holds photos item "42"`}},
		{"valid token, unpicked id", valid, "GET", "/photos/3", []string{"decision: DENY (403 insufficient_scope)", `"3" is not one of them`}},
		{"valid token, unpicked image", valid, "GET", "/photos/3/image", []string{"decision: DENY (403 insufficient_scope)", `"3" is not one of them`}},
		{"valid token, filtered list", valid, "GET", "/photos", []string{"filter:   a token narrowed", "decision: ALLOW (200)", "keeps only the 2 picked photos items",
			"filtered: the JSON list answer keeps only the picked photos items [42 7]"}},
		{"valid token, own albums", valid, "GET", "/users/alice/albums", []string{"decision: ALLOW (200)"}},
		{"valid token, another user's albums", valid, "GET", "/users/bob/albums", []string{"decision: DENY (403 insufficient_scope)", `not the token's subject "alice"`}},
		{"user token without a pick", noPick, "GET", "/photos/42", []string{"decision: DENY (403 insufficient_scope)", `"42" is not one of them`}},
		{"removed user", removedUser, "GET", "/photos/42", []string{"decision: DENY (401 invalid_token)", "user or client is no longer registered"}},
		{"client's own token is not narrowed", ownToken, "GET", "/photos/42", []string{"decision: ALLOW (200)"}},
		{"valid token, missing scope", valid, "POST", "/photos", []string{"decision: DENY (403 insufficient_scope)", "photos.write"}},
		{"expired", expired, "GET", "/photos/42", []string{"decision: DENY (401 invalid_token)", "token has expired"}},
		{"id token", idToken, "GET", "/photos/42", []string{"decision: DENY (401 invalid_token)", "typ must be at+jwt"}},
		{"foreign issuer", foreign, "GET", "/photos/42", []string{"decision: DENY (401 invalid_token)", "token issuer is not trusted"}},
		{"wrong audience", otherAud, "GET", "/photos/42", []string{"decision: DENY (401 invalid_token)", "token audience does not include this resource"}},
		{"expired token on a public route", expired, "GET", "/status", []string{"decision: ALLOW (200)"}},
		{"garbage", "not.a.jwt", "GET", "/photos/42", []string{"decision: DENY (401 invalid_token)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			args := []string{"explain", "--config", "../../config.example.yaml", "--token", tc.token, tc.method, tc.url}
			if err := run(context.Background(), args, nil, &out, &out); err != nil {
				t.Fatalf("explain: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("explain output lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), tc.token) {
				t.Error("explain printed the raw token")
			}
		})
	}
}
