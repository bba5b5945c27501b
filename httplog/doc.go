// Package httplog owns what every scopegate HTTP handler shares for logging:
// a fresh request ID per request (carried in the context and sent back as
// X-Request-Id), the access-log line, a status-recording ResponseWriter, and
// zap marshalers that write requests and headers with credentials redacted.
//
// It never logs on its own and imports nothing of scopegate, so the
// authorization server and the gateway can both use it. Nothing in this
// package ever puts a token, cookie, code, password or secret into a log
// field: such values are written as [Redacted].
package httplog
