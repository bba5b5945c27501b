package httplog

import (
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap/zapcore"
)

// Redacted replaces every credential in log output.
const Redacted = "REDACTED"

// secretHeaders are the headers that carry credentials, in canonical form.
var secretHeaders = [...]string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// IsSecretHeader reports whether the header named name carries credentials
// and must never be logged. The comparison ignores case.
func IsSecretHeader(name string) bool {
	for _, s := range secretHeaders {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}

// secretParamWords are the fragments that mark a query or form parameter
// as a credential: access_token, refresh_token, id_token_hint, code,
// code_verifier, client_secret, password, client_assertion, ...
var secretParamWords = [...]string{"token", "code", "secret", "password", "assertion"}

// IsSecretParam reports whether a query or form parameter named name may
// carry a credential and must be logged as [Redacted].
func IsSecretParam(name string) bool {
	for _, w := range secretParamWords {
		if containsFold(name, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word w,
// ignoring case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// RedactQuery returns rawQuery with the value of every credential parameter
// replaced by [Redacted]. An unparsable query is replaced whole, since it
// cannot be shown to be safe.
func RedactQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	v, err := url.ParseQuery(rawQuery)
	if err != nil {
		return Redacted
	}
	for k := range v {
		if IsSecretParam(k) {
			for i := range v[k] {
				v[k][i] = Redacted
			}
		}
	}
	return v.Encode()
}

// Headers marshals an http.Header as a log object with credential headers
// written as [Redacted].
type Headers http.Header

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (h Headers) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for k, vs := range h {
		if IsSecretHeader(k) {
			enc.AddString(k, Redacted)
			continue
		}
		enc.AddString(k, strings.Join(vs, ", "))
	}
	return nil
}

// Request marshals an *http.Request as a log object: method, host, path,
// query (credential parameters redacted), remote address, protocol and
// headers (credential headers redacted). The body is never read.
type Request struct{ R *http.Request }

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (r Request) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("method", r.R.Method)
	enc.AddString("host", r.R.Host)
	enc.AddString("path", r.R.URL.EscapedPath())
	if r.R.URL.RawQuery != "" {
		enc.AddString("query", RedactQuery(r.R.URL.RawQuery))
	}
	enc.AddString("remote_addr", r.R.RemoteAddr)
	enc.AddString("proto", r.R.Proto)
	return enc.AddObject("headers", Headers(r.R.Header))
}
