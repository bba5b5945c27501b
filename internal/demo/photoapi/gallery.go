package photoapi

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
)

// The gallery is the legacy drive's own web pages: it knows nothing of
// OAuth and trusts X-Auth-Subject like the API does, so it must only be
// reachable through the gateway (a "login: browser" route).

//go:embed templates/gallery.html
var galleryFS embed.FS

var galleryPage = template.Must(template.ParseFS(galleryFS, "templates/gallery.html"))

type galleryData struct {
	Owner  string
	Photos []Photo
}

func (a *API) gallery(w http.ResponseWriter, r *http.Request, owner string) {
	var buf bytes.Buffer
	if err := galleryPage.Execute(&buf, galleryData{Owner: owner, Photos: a.photos.list(owner)}); err != nil {
		http.Error(w, "the gallery could not be shown", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

// galleryImage serves a thumbnail or the full picture to the gallery page.
func (a *API) galleryImage(w http.ResponseWriter, r *http.Request, owner string) {
	p, ok := a.photos.get(owner, r.PathValue("id"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	var body []byte
	switch r.PathValue("size") {
	case "thumb":
		body = p.thumb
	case "full":
		body = p.full
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Write(body)
}

// galleryCaller is caller for pages: a request that did not come through
// the gateway gets a page saying so rather than JSON.
func (a *API) galleryCaller(h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		owner := r.Header.Get(SubjectHeader)
		if owner == "" {
			http.Error(w, "This gallery must be opened through the gateway.", http.StatusUnauthorized)
			return
		}
		h(w, r, owner)
	}
}
