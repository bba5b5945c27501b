package pages

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

func newTestRenderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := New(Brand{ProductName: "PhotoDrive"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// externalRef finds src/href attributes pointing off the origin, which CSP
// would block (and RFC 9700 §4.2.4 forbids).
var externalRef = regexp.MustCompile(`(?i)(src|href|action)\s*=\s*"?\s*(https?:|//)`)

// TestPagesCommon checks what every page must hold, whatever its data.
func TestPagesCommon(t *testing.T) {
	r := newTestRenderer(t)
	wantStatus := map[string]int{"login-error": http.StatusUnauthorized, "error": http.StatusBadRequest}
	for name, f := range samples(r) {
		t.Run(name, func(t *testing.T) {
			rec := render(f)
			want := http.StatusOK
			if s, ok := wantStatus[name]; ok {
				want = s
			}
			if rec.Code != want {
				t.Errorf("status = %d, want %d", rec.Code, want)
			}
			if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q, want text/html; charset=utf-8", got)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			body := rec.Body.String()
			for _, bad := range []string{"<script", "<style", "style=", "javascript:"} {
				if strings.Contains(strings.ToLower(body), bad) {
					t.Errorf("page contains %q; CSP forbids it", bad)
				}
			}
			if m := externalRef.FindString(body); m != "" {
				t.Errorf("page refers to another origin: %q", m)
			}
			d := parse(t, body)
			if got := attrOf(all(d.root, "html")[0], "lang"); got != "en" {
				t.Errorf(`<html lang> = %q, want "en"`, got)
			}
			if got := len(all(d.root, "h1")); got != 1 {
				t.Errorf("page has %d <h1>, want 1", got)
			}
			if got := d.byAttr("link", "href", r.StyleURL()); len(got) != 1 {
				t.Errorf("page does not link the stylesheet %s", r.StyleURL())
			}
			checkLabels(t, d)
			for _, form := range all(d.root, "form") {
				if got := attrOf(form, "method"); got != "post" {
					t.Errorf("form method = %q, want post", got)
				}
				if got := fields(form)["csrf_token"]; len(got) != 1 || got[0] != "csrf-123" {
					t.Errorf("form %q csrf_token = %q, want [csrf-123]", attrOf(form, "action"), got)
				}
			}
		})
	}
}

// checkLabels asserts every visible input has a <label for> naming it.
func checkLabels(t *testing.T, d doc) {
	t.Helper()
	labelled := map[string]bool{}
	for _, l := range all(d.root, "label") {
		labelled[attrOf(l, "for")] = true
	}
	for _, in := range all(d.root, "input") {
		if attrOf(in, "type") == "hidden" {
			continue
		}
		if id := attrOf(in, "id"); id == "" || !labelled[id] {
			t.Errorf("input %q (id %q) has no <label for>", attrOf(in, "name"), id)
		}
	}
}

func TestLogin(t *testing.T) {
	r := newTestRenderer(t)
	tests := []struct {
		name          string
		data          LoginData
		wantAutofocus string
		wantAlert     bool
	}{
		{"first visit", LoginData{Action: "/oauth2/login?x=1", CSRFToken: "tok"}, "username", false},
		{"failed, username known", LoginData{Action: "/oauth2/login?x=1", CSRFToken: "tok", Username: "alice", Error: "Incorrect username or password."}, "password", true},
		{"failed, no username", LoginData{Action: "/oauth2/login?x=1", CSRFToken: "tok", Error: "Enter your username."}, "username", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.data.Hidden = map[string]string{"zeta": "z", "alpha": "a", "mid": "m"}
			rec := render(func(w http.ResponseWriter) { r.Login(w, http.StatusOK, tt.data) })
			d := parse(t, rec.Body.String())
			forms := all(d.root, "form")
			if len(forms) != 1 {
				t.Fatalf("got %d forms, want 1", len(forms))
			}
			form := forms[0]
			if got := attrOf(form, "action"); got != tt.data.Action {
				t.Errorf("action = %q, want %q", got, tt.data.Action)
			}
			user := d.byAttr("input", "name", "username")
			pass := d.byAttr("input", "name", "password")
			if len(user) != 1 || len(pass) != 1 {
				t.Fatalf("got %d username and %d password inputs, want 1 each", len(user), len(pass))
			}
			if got := attrOf(user[0], "autocomplete"); got != "username" {
				t.Errorf("username autocomplete = %q, want username", got)
			}
			if got := attrOf(user[0], "value"); got != tt.data.Username {
				t.Errorf("username value = %q, want %q", got, tt.data.Username)
			}
			if got := attrOf(pass[0], "type"); got != "password" {
				t.Errorf("password type = %q, want password", got)
			}
			if got := attrOf(pass[0], "autocomplete"); got != "current-password" {
				t.Errorf("password autocomplete = %q, want current-password", got)
			}
			if got := attrOf(pass[0], "value"); got != "" {
				t.Errorf("password value = %q, want it never echoed", got)
			}
			var focused []string
			for _, n := range all(d.root, "input") {
				if _, ok := attr(n, "autofocus"); ok {
					focused = append(focused, attrOf(n, "name"))
				}
			}
			if !slices.Equal(focused, []string{tt.wantAutofocus}) {
				t.Errorf("autofocus on %q, want [%s]", focused, tt.wantAutofocus)
			}
			wantHidden := []string{"csrf_token", "alpha", "mid", "zeta"}
			if got := hiddenNames(form); !slices.Equal(got, wantHidden) {
				t.Errorf("hidden fields = %q, want %q", got, wantHidden)
			}
			checkAlert(t, d, tt.wantAlert, tt.data.Error, "username", "password")
		})
	}
}

// checkAlert asserts the error sits in a role=alert element that the named
// inputs reference through aria-describedby.
func checkAlert(t *testing.T, d doc, want bool, msg string, inputs ...string) {
	t.Helper()
	alerts := d.byAttr("", "role", "alert")
	if !want {
		if len(alerts) != 0 {
			t.Errorf("got %d role=alert elements, want none", len(alerts))
		}
		return
	}
	if len(alerts) != 1 {
		t.Fatalf("got %d role=alert elements, want 1", len(alerts))
	}
	if got := text(alerts[0]); got != msg {
		t.Errorf("alert text = %q, want %q", got, msg)
	}
	id := attrOf(alerts[0], "id")
	for _, name := range inputs {
		in := d.byAttr("input", "name", name)[0]
		if got := attrOf(in, "aria-describedby"); id == "" || got != id {
			t.Errorf("%s aria-describedby = %q, want the alert id %q", name, got, id)
		}
	}
}

func TestConsent(t *testing.T) {
	r := newTestRenderer(t)
	rec := render(samples(r)["consent"])
	body := rec.Body.String()
	d := parse(t, body)
	page := text(d.root)
	for _, want := range []string{
		"PrintMyPhotos", "PrintMyPhotos Ltd.", "Alice Martin", "printmyphotos.example",
		"See your photos and albums", "photos.read", "See your name and email address", "profile",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page does not show %q", want)
		}
	}
	if strings.Contains(page, "/oauth/callback") {
		t.Errorf("consent page shows the full redirect URI; want only its host")
	}
	if got := text(d.byAttr("strong", "class", "client")[0]); got != "PrintMyPhotos" {
		t.Errorf("emphasised client name = %q, want PrintMyPhotos", got)
	}
	forms := all(d.root, "form")
	if len(forms) != 1 {
		t.Fatalf("got %d forms, want 1", len(forms))
	}
	if got := attrOf(forms[0], "action"); got != "/oauth2/consent" {
		t.Errorf("action = %q, want /oauth2/consent", got)
	}
	var decisions []string
	for _, b := range all(forms[0], "button") {
		if attrOf(b, "type") != "submit" || attrOf(b, "name") != "decision" {
			t.Errorf("button %q: want type=submit name=decision", text(b))
		}
		decisions = append(decisions, attrOf(b, "value"))
	}
	sort.Strings(decisions)
	if !slices.Equal(decisions, []string{"allow", "deny"}) {
		t.Errorf("decision buttons = %q, want allow and deny", decisions)
	}
	if got, want := hiddenNames(forms[0]), []string{"csrf_token", "request_id"}; !slices.Equal(got, want) {
		t.Errorf("hidden fields = %q, want %q", got, want)
	}
}

func TestRedirectHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://printmyphotos.example/oauth/callback?x=1", "printmyphotos.example"},
		{"http://127.0.0.1:8123/cb", "127.0.0.1:8123"},
		{"com.printmyphotos.app:/oauth", "com.printmyphotos.app:"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := redirectHost(tt.in); got != tt.want {
			t.Errorf("redirectHost(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAccount(t *testing.T) {
	r := newTestRenderer(t)
	d := parse(t, render(samples(r)["account"]).Body.String())
	var revoked []string
	var logout int
	for _, form := range all(d.root, "form") {
		f := fields(form)
		switch attrOf(form, "action") {
		case "/oauth2/account/revoke":
			revoked = append(revoked, f["client_id"]...)
			if len(all(form, "button")) != 1 {
				t.Errorf("revoke form for %q has no single button", f["client_id"])
			}
		case "/oauth2/logout":
			logout++
		default:
			t.Errorf("unexpected form action %q", attrOf(form, "action"))
		}
	}
	if want := []string{"printmyphotos", "framely"}; !slices.Equal(revoked, want) {
		t.Errorf("revoke forms for %q, want %q", revoked, want)
	}
	if logout != 1 {
		t.Errorf("got %d sign-out forms, want 1", logout)
	}
	page := text(d.root)
	for _, want := range []string{"Alice Martin", "alice@example.com", "Access for Snapbook was removed.", "See your photos and albums", "12 March 2026"} {
		if !strings.Contains(page, want) {
			t.Errorf("account page does not show %q", want)
		}
	}
	empty := text(parse(t, render(samples(r)["account-empty"]).Body.String()).root)
	if !strings.Contains(empty, "No apps have access") {
		t.Errorf("empty account page does not say no apps have access: %q", empty)
	}
}

func TestErrorPage(t *testing.T) {
	r := newTestRenderer(t)
	tests := []struct {
		name      string
		status    int
		data      ErrorData
		wantTitle string
	}{
		{"explicit", http.StatusBadRequest, ErrorData{Title: "Unknown app", Description: "d", RequestID: "req-1"}, "Unknown app"},
		{"title from status", http.StatusNotFound, ErrorData{RequestID: "req-2"}, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := render(func(w http.ResponseWriter) { r.Error(w, tt.status, tt.data) })
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			d := parse(t, rec.Body.String())
			if got := text(all(d.root, "h1")[0]); got != tt.wantTitle {
				t.Errorf("h1 = %q, want %q", got, tt.wantTitle)
			}
			if !strings.Contains(text(d.root), tt.data.RequestID) {
				t.Errorf("page does not show request ID %q", tt.data.RequestID)
			}
			if got := len(all(d.root, "a")); got != 0 {
				t.Errorf("error page has %d links, want none", got)
			}
		})
	}
}
