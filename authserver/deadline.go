package authserver

import (
	"net/http"
	"time"
)

// bounded gives each request of the authorization server a deadline to
// arrive and one to be answered, on the connection itself. Its requests
// are small forms, so unlike the gateway's uploads they never need long:
// a client that trickles a token request body is cut off after the read
// timeout instead of holding a connection and a goroutine forever. The
// read deadline stays, so that draining an unread rest of the body after
// the handler cannot hang either (the server sets its own for the next
// request); the write deadline is cleared afterwards because the server
// keeps no write timeout of its own and the connection may carry another
// request.
func (s *Server) bounded(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		now := time.Now()
		_ = rc.SetReadDeadline(now.Add(s.readTO))
		if rc.SetWriteDeadline(now.Add(2*s.readTO)) == nil {
			defer rc.SetWriteDeadline(time.Time{})
		}
		h.ServeHTTP(w, r)
	})
}
