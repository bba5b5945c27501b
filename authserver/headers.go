package authserver

import "net/http"

// pageCSP allows our own stylesheet and images and nothing else: no
// script at all, no framing. form-action is left out on purpose: Chrome
// applies it to the redirect that follows a form POST, which would block
// the 303 back to the client.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"

// pageHeaders sets the headers every browser-facing route needs (RFC 9700
// §4.2.4, §4.16): no framing, no referrer leaking codes or state, no
// caching of pages that carry CSRF tokens. No CORS headers, ever.
func pageHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", pageCSP)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// apiHeaders serves the JSON endpoints that browsers may call from other
// origins (RFC 9700 §2.6): metadata, JWKS, token and userinfo. They use no
// cookies, so a wildcard origin without credentials is safe. Browser
// clients (openid-client in a SPA) read the WWW-Authenticate challenge of
// a 401 or 403, which CORS hides unless it is exposed.
func apiHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
		hd.Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// handlePreflight answers CORS preflights for token and userinfo, which
// take an Authorization header.
func handlePreflight(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Methods", "GET, POST")
	hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	hd.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
