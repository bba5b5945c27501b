package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestSplitHandlerSendsAmbiguousPathsToGateway: only clean authorization
// server paths reach its ServeMux (which would clean and redirect the
// rest); every other path, ambiguous ones included, is the gateway's.
func TestSplitHandlerSendsAmbiguousPathsToGateway(t *testing.T) {
	tag := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Handler", name) })
	}
	h := splitHandler(tag("auth"), tag("gateway"))
	tests := []struct{ target, want string }{
		{"/oauth2/authorize?client_id=x", "auth"},
		{"/oauth2/static/style.css", "auth"},
		{"/.well-known/openid-configuration", "auth"},
		{"/.well-known/oauth-authorization-server", "auth"},
		{"/.well-known/security.txt", "gateway"},
		{"/oauth2/../admin/x", "gateway"},
		{"/oauth2/%2e%2e/admin", "gateway"},
		{"/oauth2//token", "gateway"},
		{"/oauth2", "gateway"},
		{"/photos/1", "gateway"},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.target, nil))
		if got := rec.Header().Get("X-Handler"); got != tc.want {
			t.Errorf("GET %s went to %s, want %s", tc.target, got, tc.want)
		}
	}
}
