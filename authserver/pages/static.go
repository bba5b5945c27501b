package pages

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// StaticPrefix is where the authserver mounts [Renderer.Static]; the pages
// link to their stylesheet and logo below it.
const StaticPrefix = "/oauth2/static/"

//go:embed static/style.css static/logo.svg
var staticFS embed.FS

// asset is one static file, built once in [New].
type asset struct {
	body    []byte
	ctype   string
	version string // short content hash, used as ?v= and ETag
}

// buildAssets bakes the brand accent into the stylesheet and the default
// logo: CSP style-src 'self' forbids inline styles, so the colour cannot be
// set in the page itself.
func buildAssets(accent string) (map[string]asset, error) {
	p, err := newPalette(accent)
	if err != nil {
		return nil, err
	}
	css, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		return nil, err
	}
	logo, err := staticFS.ReadFile("static/logo.svg")
	if err != nil {
		return nil, err
	}
	vars := fmt.Sprintf(":root{--accent:%s;--accent-hover:%s;--accent-text:%s;--link-light:%s;--link-dark:%s}\n",
		p.Accent, p.AccentHover, p.AccentText, p.LinkLight, p.LinkDark)
	return map[string]asset{
		"style.css": newAsset(append([]byte(vars), css...), "text/css; charset=utf-8"),
		"logo.svg":  newAsset(bytes.ReplaceAll(logo, []byte("#2456d3"), []byte(p.Accent)), "image/svg+xml"),
	}, nil
}

func newAsset(body []byte, ctype string) asset {
	sum := sha256.Sum256(body)
	return asset{body: body, ctype: ctype, version: hex.EncodeToString(sum[:6])}
}

// Static serves style.css and logo.svg. Mount it with the prefix stripped:
//
//	mux.Handle("/oauth2/static/", http.StripPrefix("/oauth2/static", r.Static()))
//
// The pages request files with a ?v=<content hash> query, so responses are
// cacheable for a year; ETag answers revalidation with 304.
func (r *Renderer) Static() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		a, ok := r.assets[strings.TrimPrefix(req.URL.Path, "/")]
		if !ok {
			http.NotFound(w, req)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", `"`+a.version+`"`)
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(a.body))
	})
}
