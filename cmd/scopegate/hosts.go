package main

import (
	"net/http"
	"slices"

	"github.com/scopegate/scopegate/oauthrule"
)

// allowHosts answers 421 Misdirected Request (RFC 9110 §15.5.20) to a
// request whose Host is not one of allowed (canonical names, see
// config.File.AllowedHosts), before the request reaches the
// authorization server or any route: a name nobody configured, such as
// an attacker's domain rebound to our address, forwards nothing.
func allowHosts(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := oauthrule.CanonicalHost(r.Host)
		if !ok || !slices.Contains(allowed, h) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusMisdirectedRequest)
			w.Write([]byte(`{"error":"misdirected_request","error_description":"this server does not answer for that host name"}` + "\n"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
