package httplog

import (
	"net/http"
	"time"

	"go.uber.org/zap"
)

// AccessMessage is the message of every access-log line.
const AccessMessage = "access"

// WriteAccess writes one access-log line at info level with the fields
// request_id, method, path (escaped, never the query: query values may be
// credentials), status and duration, followed by extra. It costs nothing
// when info is disabled. Callers must not put credentials into extra.
func WriteAccess(log *zap.Logger, r *http.Request, status int, d time.Duration, extra ...zap.Field) {
	ce := log.Check(zap.InfoLevel, AccessMessage)
	if ce == nil {
		return
	}
	fields := make([]zap.Field, 0, 5+len(extra))
	fields = append(fields,
		zap.String("request_id", RequestID(r.Context())),
		zap.String("method", r.Method),
		zap.String("path", r.URL.EscapedPath()),
		zap.Int("status", status),
		zap.Duration("duration", d),
	)
	ce.Write(append(fields, extra...)...)
}

// StatusWriter wraps a ResponseWriter to remember the status sent, for the
// access log. Flush and Hijack reach the wrapped writer through Unwrap and
// http.ResponseController.
type StatusWriter struct {
	http.ResponseWriter
	// Status is the final status written, or 0 when nothing was written yet.
	Status int
}

// WriteHeader records a final status and passes the call on. 1xx statuses
// other than 101 are informational and not recorded.
func (s *StatusWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		if s.Status == 0 {
			s.Status = code
		}
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and passes the call on.
func (s *StatusWriter) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush flushes the wrapped writer when it can. ReverseProxy and streaming
// handlers reach it through http.ResponseController either way.
func (s *StatusWriter) Flush() {
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (s *StatusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
