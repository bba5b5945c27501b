package main

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDemoSignInWithPhotoDrive: a newcomer signs in to PrintMyPhotos with their Photo
// Drive account, in Chromium. The shop has no account form; it verifies the drive's ID
// token and greets alice by name. "Sign out" goes through the drive's logout (with the
// ID token as hint, so no question is asked) and back to the shop, and the drive's
// session is over too.
func TestDemoSignInWithPhotoDrive(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts Chromium; skipped with -short")
	}
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
