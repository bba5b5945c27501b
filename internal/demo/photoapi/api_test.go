package photoapi

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// newTestServer serves one API instance; the seeded images are drawn once per test.
func newTestServer(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(New(cfg))
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request as subject (none if empty) and returns status, headers and body.
func do(t *testing.T, srv *httptest.Server, method, path, subject string, body io.Reader, ctype string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "" {
		req.Header.Set(SubjectHeader, subject)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func listTitles(t *testing.T, srv *httptest.Server, subject string) map[string]string {
	t.Helper()
	status, _, body := do(t, srv, "GET", "/photos", subject, nil, "")
	if status != http.StatusOK {
		t.Fatalf("GET /photos as %q: status %d, want 200; body %s", subject, status, body)
	}
	var got struct{ Photos []Photo }
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("GET /photos: %v in %s", err, body)
	}
	titles := map[string]string{}
	for _, p := range got.Photos {
		titles[p.ID] = p.Title
	}
	return titles
}

func smallPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	// Noise, so the PNG does not compress below the size limits under test.
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rnd.Uint32())
	}
	img.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAPI shares one server between its parts because drawing the seeded photos is
// the slow part of a test run.
func TestAPI(t *testing.T) {
	srv := newTestServer(t, Config{MaxUploadBytes: 256 << 10})
	t.Run("routes", func(t *testing.T) { testRoutes(t, srv) })
	t.Run("images", func(t *testing.T) { testImages(t, srv) })
	t.Run("upload", func(t *testing.T) { testUploadThenList(t, srv) })
	t.Run("rejects", func(t *testing.T) { testUploadRejects(t, srv) })
}

func testRoutes(t *testing.T, srv *httptest.Server) {
	alice := listTitles(t, srv, "alice")
	bob := listTitles(t, srv, "bob")
	if len(alice) == 0 || len(bob) == 0 {
		t.Fatalf("seeded photos: alice has %d, bob has %d; want some each", len(alice), len(bob))
	}
	var aliceID, bobID string
	for id := range alice {
		aliceID = id
		if _, shared := bob[id]; shared {
			t.Errorf("photo %s listed for both alice and bob", id)
		}
	}
	for id := range bob {
		bobID = id
	}
	if got := listTitles(t, srv, "carol"); len(got) != 0 {
		t.Errorf("GET /photos as carol = %v, want none", got)
	}

	tests := []struct {
		name, method, path, subject string
		wantStatus                  int
		wantType                    string
		wantInBody                  string
	}{
		{"own metadata", "GET", "/photos/" + aliceID, "alice", 200, "application/json", `"title":"` + alice[aliceID] + `"`},
		{"other user's metadata", "GET", "/photos/" + bobID, "alice", 404, "application/json", `"error":"not_found"`},
		{"other user's image", "GET", "/photos/" + bobID + "/image", "alice", 404, "application/json", `"error":"not_found"`},
		{"unknown photo", "GET", "/photos/999", "alice", 404, "application/json", `"error":"not_found"`},
		{"bad size", "GET", "/photos/" + aliceID + "/image?size=huge", "alice", 400, "application/json", `"error":"invalid_size"`},
		{"list without subject", "GET", "/photos", "", 401, "application/json", `"error":"unauthenticated"`},
		{"image without subject", "GET", "/photos/" + aliceID + "/image", "", 401, "application/json", `"error":"unauthenticated"`},
		{"upload without subject", "POST", "/photos", "", 401, "application/json", `"error":"unauthenticated"`},
		{"delete other user's photo", "DELETE", "/photos/" + bobID, "alice", 404, "application/json", `"error":"not_found"`},
		{"status is public", "GET", "/status", "", 200, "application/json", `"status":"ok"`},
		{"unknown path", "GET", "/nope", "alice", 404, "application/json", `"error":"not_found"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := do(t, srv, tc.method, tc.path, tc.subject, nil, "")
			if status != tc.wantStatus || h.Get("Content-Type") != tc.wantType || !bytes.Contains(body, []byte(tc.wantInBody)) {
				t.Errorf("%s %s as %q = %d %q %s; want %d %q containing %s",
					tc.method, tc.path, tc.subject, status, h.Get("Content-Type"), body, tc.wantStatus, tc.wantType, tc.wantInBody)
			}
		})
	}
}

func testImages(t *testing.T, srv *httptest.Server) {
	ids := listTitles(t, srv, "alice")
	seen := map[string]string{}
	for id := range ids {
		for _, tc := range []struct {
			query      string
			wantW, wan int
		}{{"", fullW, fullH}, {"?size=thumb", thumbW, thumbH}} {
			status, h, body := do(t, srv, "GET", "/photos/"+id+"/image"+tc.query, "alice", nil, "")
			if status != 200 || h.Get("Content-Type") != "image/png" {
				t.Fatalf("GET image %s%s = %d %q, want 200 image/png", id, tc.query, status, h.Get("Content-Type"))
			}
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("image %s%s does not decode as PNG: %v", id, tc.query, err)
			}
			if got := img.Bounds().Size(); got != image.Pt(tc.wantW, tc.wan) {
				t.Errorf("image %s%s size = %v, want %dx%d", id, tc.query, got, tc.wantW, tc.wan)
			}
			if prev, dup := seen[string(body)]; dup {
				t.Errorf("image %s%s is identical to %s; want distinct pictures", id, tc.query, prev)
			}
			seen[string(body)] = id + tc.query
		}
	}
}

func testUploadThenList(t *testing.T, srv *httptest.Server) {
	pic := smallPNG(t, 300, 200)
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("title", "Beach day")
	fw, _ := mw.CreateFormFile("file", "beach.png")
	fw.Write(pic)
	mw.Close()

	tests := []struct {
		name, query, ctype string
		body               []byte
		wantTitle          string
	}{
		{"raw body", "?title=Garden", "image/png", pic, "Garden"},
		{"raw body without title", "", "application/octet-stream", pic, "Untitled photo"},
		{"multipart", "", mw.FormDataContentType(), form.Bytes(), "Beach day"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := do(t, srv, "POST", "/photos"+tc.query, "bob", bytes.NewReader(tc.body), tc.ctype)
			if status != http.StatusCreated {
				t.Fatalf("POST /photos = %d %s, want 201", status, body)
			}
			var p Photo
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Title != tc.wantTitle || p.Width != 300 || p.Height != 200 || h.Get("Location") != "/photos/"+p.ID {
				t.Errorf("POST /photos = %+v, Location %q; want title %q, 300x200, Location /photos/%s", p, h.Get("Location"), tc.wantTitle, p.ID)
			}
			if got := listTitles(t, srv, "bob")[p.ID]; got != tc.wantTitle {
				t.Errorf("bob's list has %q for %s, want %q", got, p.ID, tc.wantTitle)
			}
			if _, ok := listTitles(t, srv, "alice")[p.ID]; ok {
				t.Errorf("alice's list has bob's upload %s", p.ID)
			}
			status, _, thumb := do(t, srv, "GET", "/photos/"+p.ID+"/image?size=thumb", "bob", nil, "")
			img, err := png.Decode(bytes.NewReader(thumb))
			if status != 200 || err != nil {
				t.Fatalf("thumbnail of upload = %d, decode error %v; want 200 PNG", status, err)
			}
			if got := img.Bounds().Size(); got != image.Pt(240, 160) {
				t.Errorf("thumbnail of a 300x200 upload is %v, want 240x160", got)
			}
			status, _, _ = do(t, srv, "DELETE", "/photos/"+p.ID, "bob", nil, "")
			if _, still := listTitles(t, srv, "bob")[p.ID]; status != http.StatusNoContent || still {
				t.Errorf("DELETE = %d, still listed %v; want 204 and gone", status, still)
			}
		})
	}
}

func testUploadRejects(t *testing.T, srv *httptest.Server) {
	tests := []struct {
		name       string
		body       []byte
		wantStatus int
		wantError  string
	}{
		{"over the limit", smallPNG(t, 400, 400), // about 640 kB of noise against a 256 kB limit
			http.StatusRequestEntityTooLarge, "too_large"},
		{"not an image", []byte(strings.Repeat("hello ", 10)), http.StatusUnsupportedMediaType, "unsupported_image"},
		{"empty", nil, http.StatusBadRequest, "no_image"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(listTitles(t, srv, "alice"))
			status, _, body := do(t, srv, "POST", "/photos", "alice", bytes.NewReader(tc.body), "image/png")
			if status != tc.wantStatus || !bytes.Contains(body, []byte(`"error":"`+tc.wantError+`"`)) {
				t.Errorf("POST /photos = %d %s, want %d with error %q", status, body, tc.wantStatus, tc.wantError)
			}
			if after := len(listTitles(t, srv, "alice")); after != before {
				t.Errorf("rejected upload changed alice's list from %d to %d photos", before, after)
			}
		})
	}
}
