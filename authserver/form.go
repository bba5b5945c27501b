package authserver

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// maxFormBytes bounds every request body we parse.
const maxFormBytes = 64 << 10

var (
	errBadForm       = errors.New("authserver: malformed or oversized form")
	errDuplicate     = errors.New("authserver: duplicated parameter")
	errNotURLEncoded = errors.New("authserver: body is not application/x-www-form-urlencoded")
)

// readParams returns the parameters of a request: the query for GET, the
// url-encoded body for POST (query parameters are ignored then). Any
// parameter given twice is an error (RFC 6749 §3.1, §3.2).
func readParams(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	var raw string
	if r.Method == http.MethodPost {
		ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || ct != "application/x-www-form-urlencoded" {
			return nil, errNotURLEncoded
		}
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
		if err != nil {
			return nil, errBadForm
		}
		raw = string(b)
	} else {
		raw = r.URL.RawQuery
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, errBadForm
	}
	for _, vals := range v {
		if len(vals) > 1 {
			return v, errDuplicate
		}
	}
	return v, nil
}
