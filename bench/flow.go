package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/oauth2"
)

// codeFlow runs one complete authorization-code flow as a browser and a
// client would: authorize, sign in, consent (when asked), then exchange the
// code with PKCE. It asks for openid, as OpenID relying parties do, so the
// exchange also signs an ID token (RS256, the default). Each flow starts with an empty cookie jar; connections
// come from rt, shared by all flows, so that the phase measures the
// server rather than TCP connection setup.
func codeFlow(rt http.RoundTripper, ep endpoints) error {
	_, err := codeFlowAs(rt, ep, benchFlowApp)
	return err
}

// codeFlowAs is codeFlow for another registered client (its secret is
// benchSecret too), returning the ID token.
func codeFlowAs(rt http.RoundTripper, ep endpoints, clientID string) (string, error) {
	tok, err := codeFlowTokens(rt, ep, "openid photos.read", url.Values{"client_id": {clientID}})
	return tok.id, err
}

// flowTokens is what a code exchange returned.
type flowTokens struct{ access, refresh, id string }

// codeFlowTokens is codeFlow with the given scope and extra authorization
// request parameters, returning the tokens. It signs in on scopegate's
// login page or on oidc-provider's development one (features.devInteractions,
// fields login and password) and consents on either.
func codeFlowTokens(rt http.RoundTripper, ep endpoints, scope string, extra url.Values) (flowTokens, error) {
	return codeFlowPick(rt, ep, scope, extra, nil)
}

// codeFlowPick is codeFlowTokens that ticks the given items of the
// consent page's picker (form field pick.TYPE, one value per item).
func codeFlowPick(rt http.RoundTripper, ep endpoints, scope string, extra, pick url.Values) (flowTokens, error) {
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{
		Transport: rt,
		Jar:       jar,
		Timeout:   30 * time.Second,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), benchRedirect) {
				return http.ErrUseLastResponse // the client's callback: stop here
			}
			return nil
		},
	}
	verifier := oauth2.GenerateVerifier()
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {benchFlowApp},
		"redirect_uri":          {benchRedirect},
		"scope":                 {scope},
		"state":                 {"bench-state"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(verifier)},
		"code_challenge_method": {"S256"},
	}
	for k, v := range extra {
		q[k] = v
	}
	resp, err := browser.Get(ep.AuthorizationEndpoint + "?" + q.Encode())
	if err != nil {
		return flowTokens{}, err
	}
	for range 3 {
		if resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusFound {
			break
		}
		form, err := parseForm(resp)
		if err != nil {
			return flowTokens{}, err
		}
		if _, ok := form.fields["username"]; ok {
			form.fields.Set("username", benchUser)
			form.fields.Set("password", benchPassword)
		} else if _, ok := form.fields["login"]; ok {
			form.fields.Set("login", benchUser)
			form.fields.Set("password", benchPassword)
		} else {
			form.fields.Set("decision", "allow")
			for k, v := range pick {
				form.fields[k] = v
			}
		}
		if resp, err = browser.PostForm(form.action, form.fields); err != nil {
			return flowTokens{}, err
		}
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return flowTokens{}, fmt.Errorf("no redirect to the client (status %d)", resp.StatusCode)
	}
	code := loc.Query().Get("code")
	if code == "" {
		return flowTokens{}, fmt.Errorf("redirect without code: %s", loc.Query().Get("error"))
	}
	req, _ := http.NewRequest("POST", ep.TokenEndpoint, strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {benchRedirect}, "code_verifier": {verifier},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(q.Get("client_id"), benchSecret)
	tr, err := (&http.Client{Transport: rt, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return flowTokens{}, err
	}
	defer tr.Body.Close()
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		IDToken      string `json:"id_token"`
	}
	if err := json.NewDecoder(io.LimitReader(tr.Body, 1<<20)).Decode(&tok); err != nil || tok.AccessToken == "" {
		return flowTokens{}, fmt.Errorf("token exchange answered %d", tr.StatusCode)
	}
	return flowTokens{tok.AccessToken, tok.RefreshToken, tok.IDToken}, nil
}

type form struct {
	action string
	fields url.Values
}

// parseForm reads the first POST form of an HTML page: its action and its
// named inputs (hidden ones carry the CSRF token and the pending request).
func parseForm(resp *http.Response) (form, error) {
	defer resp.Body.Close()
	doc, err := html.Parse(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return form{}, err
	}
	var f form
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, inForm bool) {
		if n.Type == html.ElementNode && n.Data == "form" && f.fields == nil && strings.EqualFold(attr(n, "method"), "post") {
			action, err := resp.Request.URL.Parse(attr(n, "action"))
			if err == nil {
				f.action, f.fields, inForm = action.String(), url.Values{}, true
			}
		}
		if inForm && n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") != "" {
			f.fields.Set(attr(n, "name"), attr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inForm)
		}
	}
	walk(doc, false)
	if f.fields == nil {
		return form{}, fmt.Errorf("no form on %s (status %d)", resp.Request.URL.Path, resp.StatusCode)
	}
	return f, nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
