package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/token"
)

// runExplain prints which route a request matches, what the route requires
// and whether the given token (or scopes) would be allowed, and why.
func runExplain(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stdout)
	path := fs.String("config", "scopegate.yaml", "config file")
	rawToken := fs.String("token", "", "access token (JWT) to judge; its claims are read, its signature is not checked")
	scopes := fs.String("scopes", "", "space-separated scopes of a hypothetical token")
	sub := fs.String("sub", "", "subject of a hypothetical token")
	items := fs.String("items", "", `picked items of a hypothetical token, as TYPE:ID,ID (e.g. "photos:1,3"; "photos:" for none)`)
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
	return explain(stdout, f, method, u, caller{token: *rawToken, scopes: hypotheticalScopes(*scopes), sub: *sub, details: details}, time.Now())
}

// caller is who explain judges: a token, hypothetical scopes, or nobody.
type caller struct {
	token   string
	scopes  []string
	sub     string
	details []token.AuthorizationDetail
}

func explain(w io.Writer, f *config.File, method string, u *url.URL, c caller, now time.Time) error {
	host, path := u.Host, u.EscapedPath()
	fmt.Fprintf(w, "request:  %s %s\n", method, u.Redacted())

	hasToken := c.token != "" || c.sub != "" || len(c.scopes) > 0 || len(c.details) > 0
	scopes := c.scopes
	// A hypothetical token with a subject is a user's token, issued to
	// some client; without one it is a client's own token.
	held := &token.Claims{Subject: c.sub, ClientID: c.sub, Scopes: c.scopes, AuthorizationDetails: c.details}
	if c.sub != "" {
		held.ClientID = "(a client)"
	}
	if c.token != "" {
		claims, problems := inspectToken(f, c.token, now)
		fmt.Fprintf(w, "token:    sub=%s client_id=%s iss=%s scopes=[%s] expires=%s\n",
			claims.Subject, claims.ClientID, claims.Issuer, oauthrule.FormatScope(claims.Scopes), claims.Expiry.Format(time.RFC3339))
		fmt.Fprintln(w, "          (explain reads the claims; it does not check the signature)")
		if len(problems) > 0 {
			d := f.Policy.Decide(method, host, path, nil, true)
			printRoute(w, d.Route)
			if d.Route != nil && d.Route.Public {
				fmt.Fprintf(w, "decision: ALLOW (%d)\nwhy:      %s\n", d.Status, d.Reason)
				return nil
			}
			fmt.Fprintf(w, "decision: DENY (401 invalid_token)\nwhy:      %s\n", strings.Join(problems, "; "))
			return nil
		}
		scopes = claims.Scopes
		held = &claims
		printItems(w, held)
	} else if hasToken {
		who := ""
		if c.sub != "" {
			who = "sub=" + c.sub + " "
		}
		fmt.Fprintf(w, "caller:   %sscopes=[%s] (hypothetical token)\n", who, oauthrule.FormatScope(scopes))
		printItems(w, held)
	} else {
		fmt.Fprintln(w, "caller:   no token")
	}

	d := f.Policy.DecideFor(method, host, path, policy.Caller{HasToken: hasToken, Scopes: scopes, Subject: held.Subject, Items: held})
	printRoute(w, d.Route)
	verdict := "DENY"
	if d.Allow {
		verdict = "ALLOW"
	}
	fmt.Fprintf(w, "decision: %s (%d)\nwhy:      %s\n", verdict, d.Status, d.Reason)
	return nil
}

// printItems lists the picked items a token carries.
func printItems(w io.Writer, c *token.Claims) {
	for _, d := range c.AuthorizationDetails {
		fmt.Fprintf(w, "picked:   %s [%s]\n", d.Type, strings.Join(d.Identifiers, " "))
	}
}

func printRoute(w io.Writer, route *policy.Route) {
	if route == nil {
		fmt.Fprintln(w, "route:    none matched")
		return
	}
	fmt.Fprintf(w, "route:    %q at %s -> upstream %s\n", route.Pattern, route.Pos, route.Upstream)
	switch {
	case route.Public:
		fmt.Fprintln(w, "requires: nothing (public)")
	case route.Login == policy.LoginBrowser && len(route.Scopes) == 0:
		fmt.Fprintln(w, "requires: a signed-in browser session or a valid token (any scope)")
	case route.Login == policy.LoginBrowser:
		fmt.Fprintf(w, "requires: a signed-in browser session or a valid token, with scopes %s\n", strings.Join(route.Scopes, ", "))
	default:
		fmt.Fprintf(w, "requires: a valid token with scopes %s\n", strings.Join(route.Scopes, ", "))
	}
	if route.Login == policy.LoginBrowser {
		fmt.Fprintln(w, "browser:  without token or session, a browser asking for HTML is redirected (303) to")
		fmt.Fprintln(w, "          /oauth2/authorize to sign in, then back to this URL; other callers get 401")
		if route.CSRF == policy.CSRFOrigin {
			fmt.Fprintln(w, "csrf:     a POST, PUT, PATCH or DELETE carried by the session must come from this origin")
		}
	}
	if route.Owner != "" {
		fmt.Fprintf(w, "owner:    the path's {%s} must equal the token's sub\n", route.Owner)
	}
	if r := route.Resource; r != nil {
		fmt.Fprintf(w, "item:     a token narrowed to picked %s items must hold the path's {%s}\n", r.Type, r.Param)
	}
	if f := route.Filter; f != nil {
		fmt.Fprintf(w, "filter:   a token narrowed to picked %s items sees only those in the JSON list\n", f.Type)
	}
}

// inspectToken decodes an access token's header and claims and lists what
// the gateway would reject, short of the signature.
func inspectToken(f *config.File, raw string, now time.Time) (token.Claims, []string) {
	var claims token.Claims
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return claims, []string{"not a compact JWT"}
	}
	var header struct {
		Typ, Alg, Kid string
	}
	var problems []string
	if err := decodeSegment(parts[0], &header); err != nil {
		return claims, []string{"unreadable header"}
	}
	if !strings.EqualFold(header.Typ, token.HeaderType) && !strings.EqualFold(header.Typ, "application/"+token.HeaderType) {
		problems = append(problems, fmt.Sprintf("header typ is %q, not at+jwt (an ID token or other JWT is never an access token)", header.Typ))
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return claims, append(problems, "unreadable claims")
	}
	aud, known := expectedAudience(f, claims.Issuer)
	switch {
	case !known:
		problems = append(problems, fmt.Sprintf("issuer %q is neither this server nor a trusted issuer", claims.Issuer))
	case !slices.Contains(claims.Audience, aud):
		problems = append(problems, fmt.Sprintf("audience %v does not contain %q", claims.Audience, aud))
	}
	if claims.Expiry.IsZero() {
		problems = append(problems, "no exp claim")
	} else if !now.Before(claims.Expiry) {
		problems = append(problems, "token expired at "+claims.Expiry.Format(time.RFC3339))
	}
	return claims, problems
}

func expectedAudience(f *config.File, issuer string) (string, bool) {
	if issuer == f.AuthServer.Issuer {
		if f.AuthServer.Audience != "" {
			return f.AuthServer.Audience, true
		}
		return f.AuthServer.Issuer, true
	}
	for _, ti := range f.Gateway.TrustedIssuers {
		if ti.Issuer == issuer {
			return ti.Audience, true
		}
	}
	return "", false
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return errors.New("bad base64")
	}
	return json.Unmarshal(b, v)
}

// hypotheticalScopes reads --scopes as a token's scope claim would be read.
func hypotheticalScopes(s string) []string {
	scopes, _ := oauthrule.ParseScope(s)
	return scopes
}
