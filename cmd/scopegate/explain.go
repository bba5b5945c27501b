package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/token"
)

// runExplain prints which route a request matches, what the route requires
// and what the gateway answers the given token (or scopes), and why. The
// answer comes from a gateway built from the config as serve builds it,
// which contacts no upstream and, for --token only, skips the signature.
func runExplain(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stdout)
	path := fs.String("config", "scopegate.yaml", "config file")
	rawToken := fs.String("token", "", "access token (JWT) to judge; checked as the gateway checks it, except its signature and the store's revocations")
	scopes := fs.String("scopes", "", "space-separated scopes of a hypothetical token")
	sub := fs.String("sub", "", "subject of a hypothetical token")
	items := fs.String("items", "", `picked items of a hypothetical token, as TYPE:ID,ID (e.g. "photos:1,3"; "photos:" for none)`)
	var headers []string
	fs.Func("header", `a request header, "NAME: VALUE" (repeatable); "Accept: text/html" asks as a browser`, func(v string) error {
		headers = append(headers, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("explain needs METHOD and URL: %w", errUsage)
	}
	if *rawToken != "" && (*scopes != "" || *sub != "" || *items != "") {
		return fmt.Errorf("--token cannot be combined with --scopes, --sub or --items: %w", errUsage)
	}
	var details []token.AuthorizationDetail
	if *items != "" {
		typ, ids, ok := strings.Cut(*items, ":")
		if !ok || typ == "" {
			return fmt.Errorf("--items must be TYPE:ID,ID: %w", errUsage)
		}
		d := token.AuthorizationDetail{Type: typ, Identifiers: []string{}}
		for id := range strings.SplitSeq(ids, ",") {
			if id != "" {
				d.Identifiers = append(d.Identifiers, id)
			}
		}
		details = append(details, d)
	}
	f, err := config.Load(*path, os.LookupEnv)
	if err != nil {
		return err
	}
	method := strings.ToUpper(fs.Arg(0))
	u, err := url.Parse(fs.Arg(1))
	if err != nil || u.Path == "" && u.RawPath == "" {
		return fmt.Errorf("URL %q: need an absolute URL or a path starting with /", fs.Arg(1))
	}
	c := caller{token: *rawToken, scopes: hypotheticalScopes(*scopes), sub: *sub, details: details}
	return explain(stdout, f, method, u, headers, c, time.Now())
}

// caller is who explain judges: a token, hypothetical scopes, or nobody.
type caller struct {
	token   string
	scopes  []string
	sub     string
	details []token.AuthorizationDetail
}

// hypothetical reports whether c describes a token for explain to mint.
func (c caller) hypothetical() bool {
	return c.sub != "" || len(c.scopes) > 0 || len(c.details) > 0
}

// explain sends method u with headers, and c's token if any, to the
// gateway of f (see judge) and prints its answer.
func explain(w io.Writer, f *config.File, method string, u *url.URL, headers []string, c caller, now time.Time) error {
	host := u.Host
	if host == "" {
		// A bare path goes to the host the server is known by.
		iss, err := url.Parse(f.AuthServer.Issuer)
		if err != nil {
			return err
		}
		host = iss.Host
	}
	tv, raw, err := explainVerifier(f, c, now)
	if err != nil {
		return fmt.Errorf("token verifier: %w", err)
	}
	sent := headers
	if raw != "" {
		sent = append([]string{"Authorization: Bearer " + raw}, headers...)
	}
	wire, err := wireRequest(method, u.RequestURI(), host, sent)
	if err != nil {
		return err
	}
	v, err := judge(f, tv, wire)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "request:  %s %s\n", method, u.Redacted())
	for _, h := range headers {
		fmt.Fprintf(w, "header:   %s\n", h)
	}
	switch {
	case c.token != "":
		if claims, err := readClaims(c.token); err != nil {
			fmt.Fprintf(w, "token:    unreadable (%v)\n", err)
		} else {
			fmt.Fprintf(w, "token:    sub=%s client_id=%s iss=%s scopes=[%s] expires=%s\n",
				claims.Subject, claims.ClientID, claims.Issuer, oauthrule.FormatScope(claims.Scopes), claims.Expiry.Format(time.RFC3339))
			printItems(w, claims.AuthorizationDetails)
		}
		fmt.Fprintln(w, "          (checked as the gateway checks it, except its signature and the store's revocations)")
	case c.hypothetical():
		who := ""
		if c.sub != "" {
			who = "sub=" + c.sub + " "
		}
		fmt.Fprintf(w, "caller:   %sscopes=[%s] (hypothetical token)\n", who, oauthrule.FormatScope(c.scopes))
		printItems(w, c.details)
	default:
		fmt.Fprintln(w, "caller:   no token")
	}

	if v.authServer {
		fmt.Fprintln(w, "route:    none: the authorization server answers this path itself")
		fmt.Fprintln(w, "decision: not the gateway's to judge")
		return nil
	}
	route := routeByPattern(f.Policy, v.route)
	if v.logged {
		printRoute(w, route)
	} else {
		fmt.Fprintln(w, "route:    not reached: refused before the gateway")
	}
	verdict := "DENY"
	if v.decision == "allow" || v.decision == "public" {
		verdict = "ALLOW"
	}
	status := strconv.Itoa(v.status)
	if code := challengeError(v.header.Get("WWW-Authenticate")); code != "" {
		status += " " + code
	}
	fmt.Fprintf(w, "decision: %s (%s)\n", verdict, status)
	fmt.Fprintf(w, "why:      %s\n", why(f, method, host, u.EscapedPath(), v, route))
	printForward(w, v.forwarded)
	return nil
}

// hypotheticalScopes reads --scopes as a token's scope claim would be read.
func hypotheticalScopes(s string) []string {
	scopes, _ := oauthrule.ParseScope(s)
	return scopes
}
