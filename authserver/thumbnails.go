package authserver

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/token"
)

// Thumbnails reach the consent and account pages through this server
// rather than inlined as data: URIs, although the page CSP allows
// img-src data: (for brand logos): a listing of hundreds of items would
// otherwise make one page of many megabytes, fetched before the user sees
// anything, while images from 'self' load lazily as the user scrolls. The
// endpoint serves only items of the signed-in user's own listing, fetched
// for that user, so a guessed id never shows someone else's picture.

// thumbnailURL is the same-origin URL of an item's thumbnail.
func thumbnailURL(typ, id string) string {
	return "/oauth2/thumbnail?" + url.Values{"type": {typ}, "id": {id}}.Encode()
}

// thumbnailTypes are the picture types served: raster images only. SVG
// is left out, as it can carry script and links when opened directly.
var thumbnailTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/avif": true}

// handleThumbnail serves the thumbnail of one of the signed-in user's
// items: the id must be in the user's listing of that type (cached
// briefly, see listingCacheTTL), the picture comes from the type's
// thumbnail path called as the gateway would for that user, and it must
// be a raster image within maxThumbnailBytes.
func (s *Server) handleThumbnail(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.pageSession(w, r)
	if !ok {
		return
	}
	if !sess.signedIn() {
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	res := s.resources[q.Get("type")]
	id := q.Get("id")
	if res == nil || res.List.Thumbnail == "" || !validItemID(id) {
		http.NotFound(w, r)
		return
	}
	l, err := s.listItems(r.Context(), sess.Username, res, false)
	if err != nil {
		s.log.Warn("listing items for a thumbnail failed", zap.String("type", res.Type), zap.Error(err))
		http.Error(w, "the items could not be listed", http.StatusBadGateway)
		return
	}
	if !l.has(id) {
		http.NotFound(w, r)
		return
	}
	body, ctype, err := s.fetchThumbnail(r.Context(), sess.Username, res, id)
	if err != nil {
		s.log.Warn("fetching a thumbnail failed", zap.String("type", res.Type), zap.Error(err))
		http.Error(w, "the picture could not be loaded", http.StatusBadGateway)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	// Not kept: the URL names no user, so a cached picture of alice's
	// item 1 could be shown as bob's item 1 on a shared browser, or to
	// whoever opens the URL after she signed out. The page keeps the
	// images it loaded for as long as it is open.
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// fetchThumbnail gets the picture of item id for subject, bounded in time
// and size, and checks its type.
func (s *Server) fetchThumbnail(ctx context.Context, subject string, res *resource, id string) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.itemsTimeout)
	defer cancel()
	path := strings.Replace(res.List.Thumbnail, "{id}", url.PathEscape(id), 1)
	c := &token.Claims{Subject: subject, ClientID: itemsClientID, Scopes: res.Scopes}
	resp, err := s.fetch(ctx, res.List.Upstream, path, c)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", &thumbError{"upstream answered " + strconv.Itoa(resp.StatusCode)}
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !thumbnailTypes[ct] {
		return nil, "", &thumbError{"not a raster image: " + strconv.Quote(ct)}
	}
	if resp.ContentLength > maxThumbnailBytes {
		return nil, "", &thumbError{"picture over the size limit"}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxThumbnailBytes+1))
	if err != nil {
		return nil, "", err
	}
	if len(body) > maxThumbnailBytes {
		return nil, "", &thumbError{"picture over the size limit"}
	}
	return body, ct, nil
}

type thumbError struct{ msg string }

func (e *thumbError) Error() string { return "thumbnail: " + e.msg }
