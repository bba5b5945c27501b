// Package httplog owns what every scopegate HTTP handler shares for logging:
// a fresh request ID per request (carried in the context and sent back as
// X-Request-Id), the access-log line and a status-recording ResponseWriter.
//
// It never logs on its own and imports nothing of scopegate, so the
// authorization server and the gateway can both use it. The access-log line
// carries the escaped path, never the query, whose values may be
// credentials.
package httplog
