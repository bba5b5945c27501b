package photoapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// SubjectHeader is the header the gateway sets to the authenticated user's name.
const SubjectHeader = "X-Auth-Subject"

// DefaultMaxUpload is the largest accepted upload when Config.MaxUploadBytes is zero.
const DefaultMaxUpload = 20 << 20

// Config tunes the API; the zero value is the demo's setup.
type Config struct {
	// MaxUploadBytes caps an upload's body. If zero, DefaultMaxUpload is used.
	MaxUploadBytes int64
	// Now stamps uploaded photos. If nil, time.Now is used.
	Now func() time.Time
}

// API is the legacy photo service. It is safe for concurrent use.
type API struct {
	cfg     Config
	photos  store
	mux     *http.ServeMux
	started time.Time
}

// New builds the API and draws the seeded photos of alice and bob, which takes a moment,
// so the images are encoded once here and never per request.
func New(cfg Config) *API {
	if cfg.MaxUploadBytes == 0 {
		cfg.MaxUploadBytes = DefaultMaxUpload
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &API{cfg: cfg, mux: http.NewServeMux(), started: cfg.Now()}
	// Drawing is CPU-bound; one goroutine per photo keeps startup short on several cores.
	seeds := seedPhotos()
	drawn := make([]*stored, len(seeds))
	var wg sync.WaitGroup
	for i, sp := range seeds {
		wg.Go(func() {
			drawn[i] = &stored{
				Photo:       Photo{Title: sp.title, TakenAt: sp.takenAt, Width: fullW, Height: fullH},
				owner:       sp.owner,
				contentType: "image/png",
				full:        encodePNG(sp.scene.render(fullW, fullH)),
				thumb:       encodePNG(sp.scene.render(thumbW, thumbH)),
			}
		})
	}
	wg.Wait()
	for _, p := range drawn {
		a.photos.add(p) // in seed order, so IDs are the same on every run
	}
	a.mux.HandleFunc("GET /status", a.status)
	a.mux.HandleFunc("GET /photos", a.caller(a.list))
	a.mux.HandleFunc("POST /photos", a.caller(a.upload))
	a.mux.HandleFunc("GET /photos/{id}", a.caller(a.metadata))
	a.mux.HandleFunc("DELETE /photos/{id}", a.caller(a.remove))
	a.mux.HandleFunc("GET /photos/{id}/image", a.caller(a.image))
	a.mux.HandleFunc("GET /gallery/{$}", a.galleryCaller(a.gallery))
	a.mux.HandleFunc("GET /gallery/{id}/{size}", a.galleryCaller(a.galleryImage))
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// caller turns X-Auth-Subject into the handler's owner argument. Without it the request
// did not come through the gateway, and the API has no other way to know who is asking.
func (a *API) caller(h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		owner := r.Header.Get(SubjectHeader)
		if owner == "" {
			writeError(w, http.StatusUnauthorized, "unauthenticated",
				"missing "+SubjectHeader+": this API must be called through the gateway")
			return
		}
		h(w, r, owner)
	}
}

func (a *API) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"service": "legacy-photo-api",
		"status":  "ok",
		"photos":  a.photos.count(),
		"uptime":  a.cfg.Now().Sub(a.started).Round(time.Second).String(),
	})
}

func (a *API) list(w http.ResponseWriter, r *http.Request, owner string) {
	writeJSON(w, http.StatusOK, map[string]any{"photos": a.photos.list(owner)})
}

func (a *API) metadata(w http.ResponseWriter, r *http.Request, owner string) {
	p, ok := a.photos.get(owner, r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no such photo")
		return
	}
	writeJSON(w, http.StatusOK, p.Photo)
}

func (a *API) image(w http.ResponseWriter, r *http.Request, owner string) {
	p, ok := a.photos.get(owner, r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no such photo")
		return
	}
	body, ctype := p.full, p.contentType
	switch r.URL.Query().Get("size") {
	case "", "full":
	case "thumb":
		body, ctype = p.thumb, "image/png"
	default:
		writeError(w, http.StatusBadRequest, "invalid_size", `size must be "thumb" or "full"`)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func (a *API) remove(w http.ResponseWriter, r *http.Request, owner string) {
	if !a.photos.remove(owner, r.PathValue("id")) {
		writeError(w, http.StatusNotFound, "not_found", "no such photo")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError sends the API's own error shape: a stable code and a human message.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{"error": code, "message": message})
}
