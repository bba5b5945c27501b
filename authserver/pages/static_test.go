package pages

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestStatic(t *testing.T) {
	r, err := New(Brand{AccentColor: "#0A7B52"})
	if err != nil {
		t.Fatal(err)
	}
	h := http.StripPrefix("/oauth2/static", r.Static())
	get := func(path, etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	css := get(r.StyleURL(), "")
	if css.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", r.StyleURL(), css.Code)
	}
	if got := css.Header().Get("Content-Type"); got != "text/css; charset=utf-8" {
		t.Errorf("stylesheet Content-Type = %q, want text/css; charset=utf-8", got)
	}
	if !strings.Contains(css.Body.String(), "--accent:#0a7b52") {
		t.Errorf("stylesheet does not set --accent:#0a7b52; starts %q", css.Body.String()[:120])
	}
	if got := css.Header().Get("Cache-Control"); !strings.Contains(got, "max-age=31536000") {
		t.Errorf("Cache-Control = %q, want a year", got)
	}
	etag := css.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on the stylesheet")
	}
	if got := get(r.StyleURL(), etag).Code; got != http.StatusNotModified {
		t.Errorf("revalidation with the ETag: status %d, want 304", got)
	}

	logo := get("/oauth2/static/logo.svg", "")
	if logo.Code != http.StatusOK || logo.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("logo: status %d, Content-Type %q; want 200 image/svg+xml", logo.Code, logo.Header().Get("Content-Type"))
	}
	if !strings.Contains(logo.Body.String(), "#0a7b52") {
		t.Errorf("default logo is not drawn in the accent colour")
	}
	for _, path := range []string{"/oauth2/static/", "/oauth2/static/nope.css", "/oauth2/static/../static/style.css"} {
		if got := get(path, "").Code; got != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, got)
		}
	}
	post := httptest.NewRecorder()
	h.ServeHTTP(post, httptest.NewRequest(http.MethodPost, r.StyleURL(), nil))
	if post.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST stylesheet: status %d, want 405", post.Code)
	}

	other, err := New(Brand{AccentColor: "#7c3aed"})
	if err != nil {
		t.Fatal(err)
	}
	if other.StyleURL() == r.StyleURL() {
		t.Errorf("StyleURL is %q for two accents; want it to change with the stylesheet", r.StyleURL())
	}
}

// TestRenderFailure checks a template error yields a plain 500, never half a
// page.
func TestRenderFailure(t *testing.T) {
	r := newTestRenderer(t)
	r.pages["login"] = template.Must(template.New("login").Parse(`{{define "layout"}}<p>half a page{{.Missing}}{{end}}`))
	rec := httptest.NewRecorder()
	r.Login(rec, http.StatusOK, LoginData{})
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", got)
	}
	if strings.Contains(rec.Body.String(), "half a page") {
		t.Errorf("body %q contains the partial page", rec.Body.String())
	}
}
