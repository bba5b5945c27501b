package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDemoSignInWithPhotoDrive: a newcomer signs in to PrintMyPhotos with their Photo
// Drive account, in Chromium. The shop has no account form; it verifies the drive's ID
// token and greets alice by name. "Sign out" goes through the drive's logout (with the
// ID token as hint, so no question is asked) and back to the shop, and the drive's
// session is over too.
func TestDemoSignInWithPhotoDrive(t *testing.T) {
	t.Parallel()
	skipSlowWalk(t)
	d := startDemoBrowser(t)
	shot := func(name string) chromedp.Action[chromedp.Void] { return d.shot(t, "signin", name) }
	err := chromedp.Do(d.ctx,
		chromedp.Navigate(d.shopURL),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		d.textOf("#signin"),
		d.expect("sign-in button", "Sign in with Photo Drive"),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "alice-photos"),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name="decision"][value="allow"]`)),
		d.textOf("body"),
		d.expect("consent page", "See your name"),
		d.expect("consent page", "See your email address"),
		shot("consent"),
		chromedp.Click(chromedp.CSS(`button[name="decision"][value="allow"]`)),
		chromedp.WaitVisible(chromedp.CSS("#greeting")),
		d.textOf("#greeting"),
		d.expect("greeting", "Alice Liddell"),
		d.textOf("#signed-in"),
		d.expect("header", "Alice Liddell"),
		shot("greeted"),
		chromedp.Click(chromedp.CSS("#signout")),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			d.text, err = chromedp.Location()(ctx, tg)
			return err
		}),
		d.expect("after sign-out", d.shopURL+"/"),
		shot("signed-out"),
		// The drive's session ended as well: its account page asks to sign in.
		chromedp.Navigate(d.driveURL+"/oauth2/account"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)),
	)
	if err != nil {
		t.Fatalf("browser walk failed at step %d: %v\ndemo log:\n%s", d.step+1, err, tail(d.stderr.String(), 40))
	}
}

// TestDemoSignInOverHTTP is the same walk with a plain HTTP client, so that it runs
// where no Chromium is installed: the shop's sign-in form, the drive's login and
// consent, the greeting, then "Sign out" through the drive's logout and back.
func TestDemoSignInOverHTTP(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(d.shopURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp = submitFormTo(t, c, resp, "/signin", nil)
	resp = submitFormTo(t, c, resp, "/oauth2/login", map[string]string{"username": "alice", "password": "alice-photos"})
	resp = submitFormTo(t, c, resp, "/oauth2/consent", map[string]string{"decision": "allow"})
	body := readBody(t, resp)
	if resp.Request.URL.String() != d.shopURL+"/" || !strings.Contains(body, `id="greeting"`) || !strings.Contains(body, "Alice Liddell") {
		t.Fatalf("after signing in: at %s, want the shop greeting Alice Liddell:\n%s", resp.Request.URL, body)
	}
	resp = submitFormTo(t, c, reopen(resp, body), "/signout", nil)
	body = readBody(t, resp)
	if resp.Request.URL.String() != d.shopURL+"/" || !strings.Contains(body, `id="signin"`) || strings.Contains(body, "Alice Liddell") {
		t.Errorf("after signing out: at %s, want the shop's signed-out home page", resp.Request.URL)
	}
	var viaLogout bool
	for r := resp.Request; r != nil; r = r.Response.Request {
		if strings.HasPrefix(r.URL.String(), d.driveURL+"/oauth2/logout?") {
			viaLogout = true
		}
		if r.Response == nil {
			break
		}
	}
	if !viaLogout {
		t.Error("sign-out did not pass through the drive's end_session_endpoint")
	}
	resp, err = c.Get(d.driveURL + "/oauth2/account")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/oauth2/login" {
		t.Errorf("the drive's session outlived the sign-out: /oauth2/account ended at %s", resp.Request.URL)
	}
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// reopen gives a response whose body was read a fresh body, for submitFormTo.
func reopen(resp *http.Response, body string) *http.Response {
	resp.Body = io.NopCloser(strings.NewReader(body))
	return resp
}
