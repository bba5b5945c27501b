package printshop

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Page names; each is parsed together with the shared layout.
var pageNames = []string{"home", "order", "message"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"clock": func(t time.Time) string { return t.Format("15:04:05") },
		"date":  func(t time.Time) string { return t.Format("2 January 2006") },
		"join":  func(s []string) string { return strings.Join(s, " ") },
		"euros": euros,
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("printshop: parsing %s page: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// page is what the layout needs; each page's data embeds it.
type page struct {
	Title     string
	CSRF      string
	Connected bool
	Subject   string
	User      *user // signed in with the photo drive, or nil
}

// homePage is the landing page before connecting and the shop after.
type homePage struct {
	page
	Declined  bool
	Flash     string
	Steps     []step
	Photos    []photo
	Sizes     []printSize
	MaxQty    int
	Expired   bool   // the gateway said 401: the token is no longer good
	Revoked   bool   // ... because the drive withdrew it, not because it ran out
	Problem   string // the photo list could not be shown, in plain words
	Answer    *gatewayAnswer
	Requested string // the scopes the shop asks for
	Granted   string // the scopes the drive granted
}

type orderPage struct {
	page
	Order *order
}

type messagePage struct {
	page
	Title     string
	Text      string
	Reconnect bool
}

// render executes a page into a buffer first, so a template error never sends half a page.
func (s *Shop) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, data); err != nil {
		s.cfg.Logger.Error("rendering page", zap.String("page", name), zap.Error(err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// message shows a page with one explanation; with Reconnect it offers to start over.
func (s *Shop) message(w http.ResponseWriter, r *http.Request, status int, m messagePage) {
	sess := s.sessions.ensure(w, r)
	m.page = s.pageFor(sess, m.Title)
	s.render(w, r, status, "message", m)
}

// expired answers a POST whose session or CSRF token is missing or wrong.
func (s *Shop) expired(w http.ResponseWriter, r *http.Request) {
	s.message(w, r, http.StatusForbidden, messagePage{
		Title:     "Your visit timed out",
		Text:      "For your safety we could not accept that form. Please start again from our home page.",
		Reconnect: true,
	})
}

func (s *Shop) pageFor(sess *session, title string) page {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	p := page{Title: title, CSRF: sess.csrf, Connected: sess.token != nil, User: sess.user}
	if sess.token != nil {
		p.Subject = sess.flow.grant.Subject
	}
	return p
}

// home shows the landing page or, once connected, the photos, the order form, the
// upload experiment and the timeline of the nine steps.
func (s *Shop) home(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.ensure(w, r)
	data := homePage{
		page:      s.pageFor(sess, "Prints of your photos, delivered"),
		Flash:     sess.takeFlash(),
		Sizes:     printSizes,
		MaxQty:    maxQuantity,
		Requested: strings.Join(s.cfg.Scopes, " "),
	}
	if data.Connected {
		photos, ans, err := s.listPhotos(r.Context(), sess)
		switch {
		case err != nil && ans == nil:
			s.cfg.Logger.Warn("photo list failed", zap.Error(err))
			data.Problem = "We could not reach your photo drive just now. Please reload the page in a moment."
		case ans.Status == http.StatusUnauthorized:
			data.Expired = true
			// The gateway says why (RFC 6750 error_description): a token the
			// visitor withdrew on the drive's account page is no expiry.
			data.Revoked = strings.Contains(ans.Description, "revoked")
		case ans.Status != http.StatusOK:
			data.Problem = fmt.Sprintf("Your photo drive answered %d %s when we asked for your photos.", ans.Status, ans.StatusText)
		case err != nil:
			data.Problem = "Your photo drive sent a photo list we could not read."
		}
		data.Photos = photos
	}
	sess.mu.Lock()
	data.Declined = sess.flow.declined
	data.Answer = sess.answer
	data.Granted = strings.Join(sess.flow.grant.Scopes, " ")
	data.Steps = timeline(sess.flow, sess.token != nil, s.cfg.RedirectURL, s.cfg.ClientID, s.cfg.Now())
	sess.mu.Unlock()
	s.render(w, r, http.StatusOK, "home", data)
}

// step is one entry of the nine-step timeline.
type step struct {
	N      int
	Title  string
	Text   string
	Facts  []fact
	Done   bool
	Failed bool
	At     time.Time
}

type fact struct{ Label, Value string }

// timeline explains the flow as it happened for this visitor. Nothing secret appears:
// the code and the token are named, never shown.
func timeline(f flowLog, connected bool, redirectURL, clientID string, now time.Time) []step {
	returned := !f.returned.IsZero()
	got := connected && !f.exchanged.IsZero()
	steps := []step{
		{N: 1, Title: "You opened PrintMyPhotos", Done: true, At: f.opened,
			Text: "You started here, at the print shop. We cannot see anything on your photo drive yet."},
		{N: 2, Title: "We sent you to your photo drive", Done: !f.redirected.IsZero(), At: f.redirected,
			Text: "Your browser went to the drive's own authorization page, asking for limited access.",
			Facts: []fact{
				{"Authorization endpoint", f.authorizeEndpoint},
				{"Permission asked for", strings.Join(f.requested, " ")},
				{"Protection", "a random state and a PKCE challenge (S256)"},
			}},
		{N: 3, Title: "You signed in at the drive", Done: returned,
			Text: "On the drive's page, not ours: PrintMyPhotos never sees your password."},
		{N: 4, Title: "You approved access", Done: returned && !f.declined, Failed: f.declined,
			Text: "You reviewed what PrintMyPhotos asked for and agreed."},
		{N: 5, Title: "The drive sent us a one-time code", Done: got, At: f.returned,
			Text: "Your browser came back to " + redirectURL + " with a short-lived, single-use code. " +
				"We checked that the state matched the one we sent" + issNote(f.issChecked) + ". We never show the code."},
		{N: 6, Title: "We exchanged the code for a token", Done: got, At: f.exchanged,
			Text: "Server to server, out of your browser's sight, we sent the code, our client ID and secret, " +
				"and the PKCE verifier proving we started this flow.",
			Facts: []fact{{"Token endpoint", f.tokenEndpoint}, {"Client ID", clientID}}},
		{N: 7, Title: "We got an access token", Done: got, At: f.exchanged,
			Text: "It stays on our server; your browser never receives it.",
			Facts: []fact{
				{"For user", f.grant.Subject},
				{"Granted scopes", strings.Join(f.grant.Scopes, " ")},
				{"Expires", expiry(f.grant.Expiry, now)},
			}},
		{N: 8, Title: "We called the photo API through the gateway", Done: got && !f.called.IsZero(), At: f.called,
			Text:  "Each request carries the token in the header Authorization: Bearer … (hidden here).",
			Facts: []fact{{"Request", "GET " + f.apiURL}}},
		{N: 9, Title: "The gateway checked the token and the API answered", Done: got && f.apiStatus == http.StatusOK,
			Failed: got && f.apiStatus != 0 && f.apiStatus != http.StatusOK, At: f.called,
			Text:  "The gateway verified the token's signature, expiry and scopes before letting the request through.",
			Facts: []fact{{"Answer", apiAnswer(f.apiStatus, f.apiPhotos)}}},
	}
	if got && (!f.refreshed.IsZero() || f.refreshFailed != "") {
		steps = append(steps, refreshStep(f, now))
	}
	if f.declined {
		steps[3].Title = "You declined"
		steps[3].Text = "You chose not to share your photos. Nothing was shared, and PrintMyPhotos has no access."
	}
	if f.grant.Items != nil {
		steps[6].Facts = append(steps[6].Facts, fact{"Photos you shared", picked(f)})
	}
	if f.grant.Items != nil && returned && !f.declined {
		steps[3].Title = "You picked the photos to share"
		steps[3].Text = fmt.Sprintf("On the drive's consent page you ticked %d of your photos. PrintMyPhotos can see those, and nothing else on your drive.", len(f.grant.Items))
	}
	// Facts without a value yet would only show empty labels.
	for i := range steps {
		if !steps[i].Done {
			steps[i].Facts = nil
		}
	}
	return steps
}

// refreshStep is the tenth step, shown once the access token was renewed
// (or renewing failed): what a refresh token is for.
func refreshStep(f flowLog, now time.Time) step {
	if f.refreshFailed != "" {
		return step{N: 10, Title: "We could not renew our access", Failed: true,
			Text: "Our access token ran out and the drive refused our refresh token (“" + f.refreshFailed + "”). " +
				"If you removed PrintMyPhotos from your drive account, that is why: connect again to continue."}
	}
	times := "once"
	if f.refreshes > 1 {
		times = fmt.Sprintf("%d times", f.refreshes)
	}
	return step{N: 10, Title: "Our access ran out, so we renewed it", Done: true, At: f.refreshed,
		Text: "Access tokens last only minutes. When ours ran out, we sent our refresh token to the token endpoint, " +
			"server to server, and got a new access token and a new refresh token. The drive retires the old " +
			"refresh token at once, so a stolen copy is useless. You did not have to sign in again.",
		Facts: []fact{
			{"Renewed", times},
			{"New token expires", expiry(f.grant.Expiry, now)},
		}}
}

// picked names the photos the token is narrowed to: their titles once the
// list came back (it holds exactly the picked ones), else their ids.
func picked(f flowLog) string {
	switch {
	case len(f.apiTitles) == len(f.grant.Items) && len(f.apiTitles) > 0:
		return strings.Join(f.apiTitles, ", ")
	case len(f.grant.Items) == 0:
		return "none"
	}
	return "photo " + strings.Join(f.grant.Items, ", ")
}

func issNote(checked bool) string {
	if checked {
		return ", and that it came from our issuer (iss)"
	}
	return ""
}

func expiry(t, now time.Time) string {
	if t.IsZero() {
		return "not stated"
	}
	d := t.Sub(now).Round(time.Minute)
	if d <= 0 {
		return t.Format("15:04:05") + " (expired)"
	}
	return fmt.Sprintf("%s (in about %d min)", t.Format("15:04:05"), int(d.Minutes()))
}

func apiAnswer(status, n int) string {
	switch {
	case status == 0:
		return ""
	case status == http.StatusOK && n == 1:
		return "200 OK: 1 photo"
	case status == http.StatusOK:
		return fmt.Sprintf("200 OK: %d photos", n)
	}
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}
