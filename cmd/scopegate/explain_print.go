package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/scopegate/scopegate/config"
	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/token"
)

// why explains the gateway's answer. Where the gateway's reason is one the
// policy decides (routing, scopes, owner, items) and policy.DecideFor,
// given the claims the gateway verified, agrees, its fuller sentence is
// used; otherwise the gateway's own reason and description.
func why(f *config.File, method, host, path string, v *verdict, route *policy.Route) string {
	caller := policy.Caller{}
	if v.claims != nil {
		caller = policy.Caller{HasToken: true, Scopes: v.claims.Scopes, Subject: v.claims.Subject, Items: v.claims}
	}
	d := f.Policy.DecideFor(method, host, path, caller)
	sameRoute := d.Route != nil && route != nil && d.Route.Pattern == route.Pattern
	agrees := false
	switch v.reason {
	case "":
		agrees = v.logged && d.Allow && sameRoute && v.decision != "deny"
	case "ambiguous path":
		agrees = d.Status == http.StatusBadRequest && d.Route == nil
	case "no route":
		agrees = d.Status == http.StatusNotFound
	case "no token", "no session":
		agrees = d.Status == http.StatusUnauthorized && sameRoute
	case "insufficient scope":
		agrees = d.Missing != nil && sameRoute
	case "item not picked", "not the owner":
		agrees = d.Item.Deny && sameRoute
	}
	if agrees {
		return d.Reason
	}
	switch {
	case !v.logged && v.status == http.StatusMisdirectedRequest:
		return fmt.Sprintf("the host %q is not one this server answers for (server.hosts)", host)
	case !v.logged:
		first, _, _ := strings.Cut(strings.TrimSpace(string(v.body)), "\n")
		return "net/http refused the request before the gateway saw it: " + first
	case v.reason == "invalid token" && v.verifyErr != nil:
		return "the gateway's verifier refused the token: " + v.verifyErr.Error()
	case v.reason == "sign in":
		loc, _, _ := strings.Cut(v.header.Get("Location"), "?")
		return fmt.Sprintf("no token or session: a browser asking for HTML is sent to sign in at %s, then back here", loc)
	}
	var body struct {
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(v.body, &body)
	if body.Description == "" {
		return v.reason
	}
	return v.reason + ": " + body.Description
}

// challengeError is the error attribute of an RFC 6750 §3 challenge.
func challengeError(challenge string) string {
	_, rest, ok := strings.Cut(challenge, `error="`)
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, `"`)
	return code
}

// routeByPattern finds the route the gateway named in its access log.
func routeByPattern(p *policy.Set, pattern string) *policy.Route {
	if pattern == "" {
		return nil
	}
	for _, r := range p.Routes() {
		if r.Pattern == pattern {
			return &r
		}
	}
	return nil
}

// printItems lists the picked items a token carries.
func printItems(w io.Writer, details []token.AuthorizationDetail) {
	for _, d := range details {
		fmt.Fprintf(w, "picked:   %s [%s]\n", d.Type, strings.Join(d.Identifiers, " "))
	}
}

// printRoute says what the route the gateway matched requires.
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

// printForward says what the upstream would have been sent.
func printForward(w io.Writer, call *upstreamCall) {
	if call == nil {
		return
	}
	fmt.Fprintf(w, "upstream: %s gets %s %s (explain contacts no upstream)\n", call.upstream, call.method, call.url)
	for _, k := range []string{"X-Auth-Subject", "X-Auth-Client-Id", "X-Auth-Scope"} {
		if vs, ok := call.header[k]; ok {
			fmt.Fprintf(w, "          %s: %s\n", k, strings.Join(vs, ", "))
		}
	}
	if len(call.header["Authorization"]) > 0 {
		fmt.Fprintln(w, "          Authorization: the caller's, passed on (pass_authorization)")
	}
	if call.filter != nil {
		fmt.Fprintf(w, "filtered: the JSON list answer keeps only the picked %s items [%s]\n", call.filter.Type, strings.Join(call.ids, " "))
	}
}
