package proxy

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httputil"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/scopegate/scopegate/policy"
)

// DefaultFilterLimit is the largest list answer, after decompression, a
// filter route reads when Config.FilterLimit is zero. A larger one is
// refused with 502: passing it unfiltered would show unpicked items.
const DefaultFilterLimit = 8 << 20

// filterJob is what a filter route's response needs from the request.
type filterJob struct {
	filter *policy.ListFilter
	held   map[string]struct{}
	limit  int64
}

type filterKey struct{}

// ListFilterOf reports whether the gateway filters the answer to r, a
// request on its way upstream as the Transport sees it: the route's
// filter, or nil, and the picked ids the filtered list keeps, sorted. It
// lets `scopegate explain`, whose Transport answers without contacting
// any upstream, say what a filter route would do; the gateway itself
// never calls it.
func ListFilterOf(r *http.Request) (*policy.ListFilter, []string) {
	job, _ := r.Context().Value(filterKey{}).(*filterJob)
	if job == nil {
		return nil, nil
	}
	return job.filter, slices.Sorted(maps.Keys(job.held))
}

// filterError is a list answer that could not be filtered; its text is
// fixed (never upstream data) and is shown in the 502 body.
type filterError struct{ msg string }

func (e *filterError) Error() string { return "cannot filter the list: " + e.msg }

func refuseList(msg string) error { return &filterError{msg: msg} }

// serveFiltered forwards a request of a token narrowed to picked items on
// a filter route; the answer is buffered, filtered and sent plain. Tokens
// that are not narrowed never come here and keep streaming.
func (u *upstream) serveFiltered(w http.ResponseWriter, r *http.Request, f *policy.ListFilter, held map[string]struct{}) {
	job := &filterJob{filter: f, held: held, limit: u.g.filterLimit}
	u.forwardVia(u.filterProxy, w, r.WithContext(context.WithValue(r.Context(), filterKey{}, job)))
}

// rewriteFiltered is rewrite plus what makes the answer a whole,
// filterable list: no range or conditional request (a 206 or 304 could
// not be filtered, and validators of the unfiltered list must not leak),
// and only codings we can decode.
func (u *upstream) rewriteFiltered(pr *httputil.ProxyRequest) {
	u.rewrite(pr)
	for _, k := range [...]string{"Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"} {
		delete(pr.Out.Header, k)
	}
	pr.Out.Header["Accept-Encoding"] = []string{"gzip, deflate"}
}

// validators are headers describing the unfiltered answer.
var validators = [...]string{"Etag", "Last-Modified", "Content-Md5", "Digest", "Content-Digest", "Repr-Digest",
	"Accept-Ranges", "Content-Range", "Content-Encoding", "Content-Length", "Transfer-Encoding"}

// filterResponse replaces a list answer by its filtered copy. Any answer
// it cannot filter safely is an error, which handleError turns into 502.
func (u *upstream) filterResponse(resp *http.Response) error {
	if err := checkClientBody(resp); err != nil {
		return err
	}
	job, _ := resp.Request.Context().Value(filterKey{}).(*filterJob)
	if job == nil {
		return refuseList("internal error")
	}
	h := resp.Header
	switch {
	case resp.StatusCode >= 300:
		withholdBody(resp)
		return nil
	case resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusResetContent:
		return nil
	case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNonAuthoritativeInfo:
		return refuseList("the upstream's answer is not a whole list")
	case resp.Request.Method == http.MethodHead:
		for _, k := range validators {
			delete(h, k)
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || len(h["Content-Type"]) != 1 || mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return refuseList("the upstream's answer is not JSON")
	}
	body, err := decodedBody(resp)
	if err != nil {
		return err
	}
	in := getBuffer()
	_, err = in.ReadFrom(io.LimitReader(body, job.limit+1))
	_ = resp.Body.Close()
	if err != nil {
		putBuffer(in)
		return refuseList("the upstream's answer could not be read")
	}
	if int64(in.Len()) > job.limit {
		putBuffer(in)
		return refuseList("the upstream's list is too large")
	}
	out := getBuffer()
	filtered, err := filterList(out.AvailableBuffer(), in.Bytes(), job.filter.Items, job.filter.ID, job.held)
	putBuffer(in)
	if err != nil {
		putBuffer(out)
		return refuseList(err.Error())
	}
	out.Write(filtered) // usually no copy: filtered is out's own spare capacity
	for _, k := range validators {
		delete(h, k)
	}
	h["Content-Length"] = []string{strconv.Itoa(out.Len())}
	// The answer now depends on the token: no shared cache may keep it.
	h["Cache-Control"] = []string{"private, no-store"}
	resp.ContentLength = int64(out.Len())
	resp.TransferEncoding = nil
	resp.Uncompressed = false
	resp.Body = &bufferBody{Reader: bytes.NewReader(out.Bytes()), buf: out}
	return nil
}

// withholdBody replaces the body of an error or redirect answer to a
// filter route. It is not the list, so it cannot be filtered, yet a legacy
// API's error page may quote anything, the items included: its status and
// headers pass, its body is the gateway's note.
func withholdBody(resp *http.Response) {
	h := resp.Header
	for _, k := range validators {
		delete(h, k)
	}
	if resp.StatusCode == http.StatusNotModified || resp.Request.Method == http.MethodHead {
		return // no body
	}
	_ = resp.Body.Close()
	body := fmt.Appendf(nil, `{"error":"upstream_error","error_description":"the upstream answered %d; `+
		`its body is withheld from a token narrowed to picked items"}`+"\n", resp.StatusCode)
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	h["Cache-Control"] = []string{"private, no-store"}
	resp.ContentLength = int64(len(body))
	resp.TransferEncoding = nil
	resp.Uncompressed = false
	resp.Body = io.NopCloser(bytes.NewReader(body))
}

// decodedBody undoes gzip or deflate (RFC 9110 §8.4.1); another coding,
// or several, is refused rather than filtered blind.
func decodedBody(resp *http.Response) (io.Reader, error) {
	ce := resp.Header["Content-Encoding"]
	if len(ce) > 1 || len(ce) == 1 && strings.Contains(ce[0], ",") {
		return nil, refuseList("the upstream's answer has several content codings")
	}
	coding := ""
	if len(ce) == 1 {
		coding = strings.ToLower(strings.TrimSpace(ce[0]))
	}
	switch coding {
	case "", "identity":
		return resp.Body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, refuseList("the upstream's gzip answer is corrupt")
		}
		return zr, nil
	case "deflate":
		return inflate(resp.Body)
	}
	return nil, refuseList("the upstream's answer has an unsupported content coding")
}

// inflate decodes a deflate answer: zlib data as RFC 9110 §8.4.1.2 says,
// or a bare DEFLATE stream, which some servers send instead and browsers
// accept. A zlib stream starts with a header whose two bytes, read as a
// big-endian number, are a multiple of 31 and name method 8 (RFC 1950
// §2.2); a bare stream starting so is rare, and is then refused as corrupt
// rather than misread.
func inflate(body io.Reader) (io.Reader, error) {
	br := bufio.NewReader(body)
	head, err := br.Peek(2)
	if err != nil && len(head) < 2 {
		return nil, refuseList("the upstream's deflate answer is corrupt")
	}
	if head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil, refuseList("the upstream's deflate answer is corrupt")
		}
		return zr, nil
	}
	return flate.NewReader(br), nil
}

// bufferBody is a filtered answer; Close recycles its buffer once
// ReverseProxy has copied it out.
type bufferBody struct {
	*bytes.Reader
	once sync.Once
	buf  *bytes.Buffer
}

func (b *bufferBody) Close() error {
	b.once.Do(func() { putBuffer(b.buf) })
	return nil
}

// maxPooledBuffer keeps one huge answer from pinning its memory for ever.
const maxPooledBuffer = 1 << 20

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	buffers.Put(b)
}

// isFilterError reports a list answer refused by filterResponse.
func isFilterError(err error) (*filterError, bool) {
	var fe *filterError
	ok := errors.As(err, &fe)
	return fe, ok
}
