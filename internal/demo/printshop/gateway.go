package printshop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// photo is one entry of the photo API's list.
type photo struct {
	ID      string    `json:"id"`
	Title   string    `json:"title"`
	TakenAt time.Time `json:"taken_at"`
	Width   int       `json:"width"`
	Height  int       `json:"height"`
}

// gatewayAnswer is what the gateway said to a call, shown to the user as it came.
type gatewayAnswer struct {
	Status          int
	StatusText      string
	WWWAuthenticate string
	Body            string
	Error, Scope    string // from WWW-Authenticate
	Description     string // its error_description
	At              time.Time
	Request         string // e.g. "POST /photos"
	Unshared        bool   // the request asked for a photo the user did not share
}

// Headline sums the answer up in a few words.
func (a *gatewayAnswer) Headline() string {
	switch {
	case a.Status == http.StatusForbidden:
		return "The gateway said no: 403 Forbidden"
	case a.Status == http.StatusUnauthorized:
		return "The gateway did not accept our token: 401 Unauthorized"
	case a.Status >= 200 && a.Status < 300 && a.Unshared:
		return fmt.Sprintf("The photo was sent to us: %d %s", a.Status, a.StatusText)
	case a.Status >= 200 && a.Status < 300:
		return fmt.Sprintf("The upload went through: %d %s", a.Status, a.StatusText)
	}
	return fmt.Sprintf("The gateway answered %d %s", a.Status, a.StatusText)
}

// Explanation says in plain words what the answer means for the user.
func (a *gatewayAnswer) Explanation() string {
	scope := a.Scope
	if scope == "" {
		scope = "photos.write"
	}
	switch {
	case a.Unshared && a.Status == http.StatusForbidden:
		return "You did not share this photo with PrintMyPhotos. The access token lists the photos you picked on " +
			"the drive's consent page, and this one is not among them, so the gateway stopped the request before " +
			"it reached the photo API. We cannot see, print or even confirm that the photo exists."
	case a.Unshared && a.Status >= 200 && a.Status < 300:
		return "The gateway let the request through: the token is not limited to picked photos."
	case a.Status == http.StatusForbidden && a.Error == "insufficient_scope":
		return "The drive only let PrintMyPhotos read photos, not upload them. Uploading needs the “" + scope +
			"” permission, which you did not grant, so the gateway stopped the request before it reached " +
			"the photo API. Your drive stays exactly as it was."
	case a.Status == http.StatusForbidden:
		return "The gateway refused the request even though our token is valid."
	case a.Status == http.StatusUnauthorized:
		return "Access tokens are short-lived on purpose, and ours is no longer valid. Reconnect your drive to get a fresh one."
	case a.Status >= 200 && a.Status < 300:
		return "You granted PrintMyPhotos permission to add photos, so the gateway let the upload through to the photo API."
	}
	return "This was not the answer we expected from the gateway."
}

// call sends one request to the gateway with the bearer token. The token goes only in
// this header, from the shop's server to the gateway: the browser never sees it.
func (s *Shop) call(ctx context.Context, method, path, token string, body io.Reader, ctype string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.gatewayURL(path), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return s.cfg.HTTPClient.Do(req)
}

// listPhotos is steps 8 and 9: GET /photos through the gateway. It returns the answer
// too, because a 401 or 403 is something to show, not an internal error.
func (s *Shop) listPhotos(ctx context.Context, sess *session) ([]photo, *gatewayAnswer, error) {
	token := s.accessToken(ctx, sess)
	resp, err := s.call(ctx, http.MethodGet, "/photos", token, nil, "")
	if err != nil {
		return nil, nil, fmt.Errorf("printshop: calling the gateway: %w", err)
	}
	defer resp.Body.Close()
	ans := readAnswer(resp, s.cfg.Now())
	var photos []photo
	if resp.StatusCode == http.StatusOK {
		var list struct{ Photos []photo }
		if err := json.Unmarshal([]byte(ans.Body), &list); err != nil {
			return nil, ans, fmt.Errorf("printshop: photo list: %w", err)
		}
		photos = list.Photos
	}
	sess.mu.Lock()
	sess.flow.called = ans.At
	sess.flow.apiURL = s.gatewayURL("/photos")
	sess.flow.apiStatus = resp.StatusCode
	sess.flow.apiPhotos = len(photos)
	sess.flow.apiTitles = sess.flow.apiTitles[:0]
	for _, p := range photos {
		sess.flow.apiTitles = append(sess.flow.apiTitles, p.Title)
	}
	sess.mu.Unlock()
	return photos, ans, nil
}

// thumb streams a thumbnail from the gateway, so the page can show the user's photos
// without the browser ever holding the token.
func (s *Shop) thumb(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.get(r)
	token := ""
	if sess != nil {
		token = s.accessToken(r.Context(), sess)
	}
	if token == "" {
		http.Error(w, "not connected", http.StatusUnauthorized)
		return
	}
	path := "/photos/" + url.PathEscape(r.PathValue("id")) + "/image?size=thumb"
	resp, err := s.call(r.Context(), http.MethodGet, path, token, nil, "")
	if err != nil {
		s.cfg.Logger.Warn("thumbnail fetch failed", zap.Error(err))
		http.Error(w, "photo drive unreachable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	ctype := resp.Header.Get("Content-Type")
	switch {
	case resp.StatusCode != http.StatusOK:
		http.Error(w, "thumbnail unavailable", resp.StatusCode)
		return
	case !strings.HasPrefix(ctype, "image/"):
		http.Error(w, "thumbnail unavailable", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, max-age=300")
	if n := resp.Header.Get("Content-Length"); n != "" {
		w.Header().Set("Content-Length", n)
	}
	io.Copy(w, resp.Body)
}

// tryUpload sends a small picture to POST /photos, a route that needs photos.write.
// With a read-only grant the gateway refuses it; the answer is kept for the home page.
func (s *Shop) tryUpload(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.get(r)
	if sess == nil || !sess.checkCSRF(r) {
		s.expired(w, r)
		return
	}
	token := s.accessToken(r.Context(), sess)
	if token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	resp, err := s.call(r.Context(), http.MethodPost, "/photos?title=PrintMyPhotos+test+print",
		token, bytes.NewReader(s.sample), "image/png")
	if err != nil {
		s.cfg.Logger.Warn("upload attempt failed", zap.Error(err))
		sess.mu.Lock()
		sess.flash = "We could not reach the photo drive to try the upload. Please try again."
		sess.mu.Unlock()
		http.Redirect(w, r, "/#permissions", http.StatusSeeOther)
		return
	}
	defer resp.Body.Close()
	ans := readAnswer(resp, s.cfg.Now())
	ans.Request = "POST /photos"
	sess.mu.Lock()
	sess.answer = ans
	sess.mu.Unlock()
	http.Redirect(w, r, "/#gateway-answer", http.StatusSeeOther)
}

// tryUnshared asks the gateway for a photo that is not in our list: the
// first numeric id the list lacks, as an app curious about the rest of
// the drive would guess. With a pick-narrowed token the gateway refuses it
// (403) without asking the photo API.
func (s *Shop) tryUnshared(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.get(r)
	if sess == nil || !sess.checkCSRF(r) {
		s.expired(w, r)
		return
	}
	token := s.accessToken(r.Context(), sess)
	if token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	photos, _, err := s.listPhotos(r.Context(), sess)
	if err != nil {
		s.cfg.Logger.Warn("listing before the unshared try failed", zap.Error(err))
	}
	have := map[string]bool{}
	for _, p := range photos {
		have[p.ID] = true
	}
	id := 1
	for have[strconv.Itoa(id)] {
		id++
	}
	path := "/photos/" + strconv.Itoa(id)
	resp, err := s.call(r.Context(), http.MethodGet, path, token, nil, "")
	if err != nil {
		s.cfg.Logger.Warn("unshared photo attempt failed", zap.Error(err))
		sess.mu.Lock()
		sess.flash = "We could not reach the photo drive. Please try again."
		sess.mu.Unlock()
		http.Redirect(w, r, "/#permissions", http.StatusSeeOther)
		return
	}
	defer resp.Body.Close()
	ans := readAnswer(resp, s.cfg.Now())
	ans.Request, ans.Unshared = "GET "+path, true
	sess.mu.Lock()
	sess.answer = ans
	sess.mu.Unlock()
	http.Redirect(w, r, "/#gateway-answer", http.StatusSeeOther)
}

// readAnswer captures status, WWW-Authenticate and a bounded, pretty-printed body.
func readAnswer(resp *http.Response, now time.Time) *gatewayAnswer {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	body := string(raw)
	var pretty bytes.Buffer
	if json.Indent(&pretty, raw, "", "  ") == nil {
		body = pretty.String()
	}
	wa := resp.Header.Get("WWW-Authenticate")
	params := authParams(wa)
	return &gatewayAnswer{
		Status:          resp.StatusCode,
		StatusText:      http.StatusText(resp.StatusCode),
		WWWAuthenticate: wa,
		Body:            body,
		Error:           params["error"],
		Scope:           params["scope"],
		Description:     params["error_description"],
		At:              now,
	}
}

// authParams reads the auth-params of a Bearer challenge (RFC 6750 §3), enough to explain
// it: key=value or key="quoted value", separated by commas.
func authParams(h string) map[string]string {
	out := map[string]string{}
	_, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok {
		return out
	}
	for rest != "" {
		rest = strings.TrimLeft(rest, " ,")
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var val string
		if strings.HasPrefix(after, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(after) && after[i] != '"'; i++ {
				if after[i] == '\\' && i+1 < len(after) {
					i++
				}
				b.WriteByte(after[i])
			}
			val, rest = b.String(), after[min(i+1, len(after)):]
		} else {
			val, rest, _ = strings.Cut(after, ",")
			val = strings.TrimSpace(val)
		}
		out[key] = val
	}
	return out
}

// samplePNG draws the little picture the upload attempt sends: a warm gradient.
func samplePNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 96, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 96; x++ {
			img.Set(x, y, color.NRGBA{uint8(200 + x/2), uint8(90 + y), 60, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img) // an in-memory NRGBA always encodes
	return buf.Bytes()
}
