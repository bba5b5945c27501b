package authserver

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestPickerTellsWhatAllowDoes: the consent page says what the user may
// not expect. With max_items 3 and photos 1 and 2 shared, a proposal of 3
// and 4 says that ticking both replaces the earlier pick, and allowing it
// does exactly that; "Select all" says it stopped at the maximum; a
// proposal of someone else's photos offers nothing, and no Allow. The
// account page counts in the singular.
func TestPickerTellsWhatAllowDoes(t *testing.T) {
	env, _ := newPickerServer(t, 3)
	b := newBrowser(t, env)
	text := func(p *page) string { return html.UnescapeString(p.body) }
	grantIDs := func() []string {
		t.Helper()
		g, err := env.store.LiveGrant(context.Background(), "alice", printerID)
		if err != nil {
			t.Fatal(err)
		}
		return detailFor(decodeDetails(g.AuthorizationDetails), "photos").Identifiers
	}

	p := consentFor(t, env, b, url.Values{"scope": {"photos.read"}})
	all := postPick(t, b, p, url.Values{"select": {"all.photos"}})
	if want := "Only the first 3 photos are ticked: one app can see at most 3."; !strings.Contains(text(all), want) {
		t.Errorf("select all over the maximum: page lacks %q", want)
	}
	redirectParams(t, b.follow(postPick(t, b, p, url.Values{"decision": {"allow"}}, "1", "2")))

	propose := func(ids string) *page {
		return consentFor(t, env, b, url.Values{"authorization_details": {`[{"type":"photos","identifiers":[` + ids + `]}]`}})
	}
	p = propose(`"3","4"`)
	const replaces = "The app can already see 2 photos besides these. One app can see at most 3, so if you tick more than 1 here, the ones you tick replace them."
	if !strings.Contains(text(p), replaces) {
		t.Fatalf("proposal over the maximum with the earlier pick: page lacks %q:\n%s", replaces, p.body)
	}
	redirectParams(t, b.follow(postPick(t, b, p, url.Values{"decision": {"allow"}}, "3", "4")))
	if got := grantIDs(); !reflect.DeepEqual(got, []string{"3", "4"}) {
		t.Errorf("after allowing 3 and 4 over the maximum: grant holds %v; want [3 4], as the page said", got)
	}
	p = propose(`"1"`)
	if strings.Contains(text(p), "replace") {
		t.Errorf("a proposal that fits with the earlier pick warns of replacing it")
	}
	redirectParams(t, b.follow(postPick(t, b, p, url.Values{"decision": {"allow"}}, "1")))
	if got := grantIDs(); !reflect.DeepEqual(got, []string{"3", "4", "1"}) {
		t.Errorf("after allowing 1 within the maximum: grant holds %v; want [3 4 1]", got)
	}

	p = propose(`"b1"`)
	if want := "None of the photos the app asked for are in your account"; !strings.Contains(text(p), want) {
		t.Errorf("proposal of bob's photo: page lacks %q", want)
	}
	if strings.Contains(p.body, `value="allow"`) {
		t.Error("proposal of bob's photo offers Allow")
	}

	// The account page counts what the app can see.
	acc := b.get("/oauth2/account")
	if acc.status != http.StatusOK || !strings.Contains(acc.body, "3 photos shared") {
		t.Errorf("account page: status %d; want \"3 photos shared\"", acc.status)
	}
}
