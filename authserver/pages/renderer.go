package pages

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

//go:embed templates/*.html
var templateFS embed.FS

// Renderer writes the HTML pages and serves their static files. It is safe
// for concurrent use; create it once with [New].
type Renderer struct {
	brand    Brand
	pages    map[string]*template.Template
	styleURL string
	logoURL  template.URL
	assets   map[string]asset
}

// New validates the brand, fills its defaults and parses the templates.
// AccentColor must be "#rgb" or "#rrggbb"; LogoURL must be empty, a path
// starting with "/" (not "//") or a data:image/ URL.
func New(brand Brand) (*Renderer, error) {
	b, err := brand.normalize()
	if err != nil {
		return nil, err
	}
	assets, err := buildAssets(b.AccentColor)
	if err != nil {
		return nil, err
	}
	r := &Renderer{
		brand:    b,
		pages:    make(map[string]*template.Template),
		styleURL: StaticPrefix + "style.css?v=" + assets["style.css"].version,
		assets:   assets,
	}
	// A brand logo is validated above; template.URL keeps html/template
	// from replacing the data: scheme it does not trust by default.
	r.logoURL = template.URL(b.LogoURL)
	if b.LogoURL == "" {
		r.logoURL = template.URL(StaticPrefix + "logo.svg?v=" + assets["logo.svg"].version)
	}
	// Each page is parsed with its own copy of the layout, because every
	// page defines the same "content" block.
	for _, name := range []string{"login", "consent", "account", "error", "loggedout", "logout", "pick"} {
		t, err := template.New(name).Funcs(template.FuncMap{"initialOf": initial, "count": CountOf}).ParseFS(templateFS, "templates/layout.html", "templates/picker.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("pages: parsing %s template: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// StyleURL is the stylesheet URL the pages link to; it changes whenever the
// stylesheet does, so it can be cached for a year.
func (r *Renderer) StyleURL() string { return r.styleURL }

// hiddenField is one extra hidden form input.
type hiddenField struct{ Name, Value string }

// view is what every template receives: the page's own data in Page plus
// what the shared layout needs.
type view struct {
	Title     string
	Wide      bool
	Brand     Brand
	StyleURL  string
	LogoURL   template.URL
	CSRFToken string
	Hidden    []hiddenField
	Page      any
	// Derived values the templates cannot compute.
	Initial      string // first letter of the client or user, for the avatar
	RedirectHost string
	Autofocus    string // "username" or "password" on the login page
	Status       string // e.g. "404 Not Found" on the error page
}

func (r *Renderer) newView(title string, page any) view {
	return view{Title: title, Brand: r.brand, StyleURL: r.styleURL, LogoURL: r.logoURL, Page: page}
}

// Login writes the sign-in form.
func (r *Renderer) Login(w http.ResponseWriter, status int, d LoginData) {
	d.Brand = r.brand
	v := r.newView("Sign in", d)
	v.CSRFToken, v.Hidden = d.CSRFToken, sortedHidden(d.Hidden)
	v.Autofocus = "username"
	if d.Error != "" && d.Username != "" {
		v.Autofocus = "password"
	}
	r.render(w, status, "login", v)
}

// Consent writes the page that asks the user to allow or deny a client.
func (r *Renderer) Consent(w http.ResponseWriter, status int, d ConsentData) {
	d.Brand = r.brand
	v := r.newView("Allow access to "+d.ClientName+"?", d)
	v.CSRFToken, v.Hidden = d.CSRFToken, sortedHidden(d.Hidden)
	v.Initial = initial(d.ClientName)
	v.RedirectHost = redirectHost(d.RedirectURI)
	v.Wide = len(d.Pickers) > 0
	r.render(w, status, "consent", v)
}

// Account writes the list of clients the user has granted access to.
func (r *Renderer) Account(w http.ResponseWriter, status int, d AccountData) {
	d.Brand = r.brand
	v := r.newView("Your account", d)
	v.Wide = true
	v.CSRFToken = d.CSRFToken
	v.Initial = initial(d.UserName)
	r.render(w, status, "account", v)
}

// Error writes an error page. A zero d.Status takes status; an empty
// d.Title takes the status text.
func (r *Renderer) Error(w http.ResponseWriter, status int, d ErrorData) {
	d.Brand = r.brand
	if d.Status == 0 {
		d.Status = status
	}
	if d.Title == "" {
		d.Title = http.StatusText(d.Status)
	}
	if d.Title == "" {
		d.Title = "Something went wrong"
	}
	v := r.newView(d.Title, d)
	if t := http.StatusText(d.Status); t != "" {
		v.Status = strconv.Itoa(d.Status) + " " + t
	}
	r.render(w, status, "error", v)
}

// LoggedOut writes the confirmation shown after signing out.
func (r *Renderer) LoggedOut(w http.ResponseWriter, status int, d LoggedOutData) {
	d.Brand = r.brand
	r.render(w, status, "loggedout", r.newView("Signed out", d))
}

// Logout writes the page that asks whether to sign out, shown when an
// application asks for it without proving which session it means.
func (r *Renderer) Logout(w http.ResponseWriter, status int, d LogoutData) {
	d.Brand = r.brand
	v := r.newView("Sign out?", d)
	v.CSRFToken, v.Hidden = d.CSRFToken, sortedHidden(d.Hidden)
	v.RedirectHost = redirectHost(d.RedirectURI)
	r.render(w, status, "logout", v)
}

// render executes into a buffer first so a template error never leaves half
// a page on the wire.
func (r *Renderer) render(w http.ResponseWriter, status int, name string, v view) {
	if status < 100 || status > 999 {
		status = http.StatusOK
	}
	var buf bytes.Buffer
	if err := r.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		http.Error(w, "internal error: the page could not be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	// Pages carry CSRF tokens and personal data: keep them out of caches
	// unless the caller decided otherwise.
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away; nothing to do
}

// sortedHidden gives a stable field order, so pages are reproducible.
func sortedHidden(m map[string]string) []hiddenField {
	out := make([]hiddenField, 0, len(m))
	for k, v := range m {
		out = append(out, hiddenField{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// initial is the upper-cased first letter or digit of s, or "?".
func initial(s string) string {
	for _, c := range s {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			return string(unicode.ToUpper(c))
		}
	}
	return "?"
}

// redirectHost is the part of the redirect URI a user can judge: the host
// for web URLs, the scheme for app-claimed schemes (com.example.app:/cb).
func redirectHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return raw
	}
	if u.Host != "" {
		return u.Host
	}
	if u.Scheme != "" {
		return u.Scheme + ":"
	}
	if utf8.RuneCountInString(raw) > 80 {
		return strings.TrimSpace(string([]rune(raw)[:80])) + "…"
	}
	return raw
}
