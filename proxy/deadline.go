package proxy

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultBodyIdleTimeout is Config.BodyIdleTimeout when zero.
const DefaultBodyIdleTimeout = 30 * time.Second

// The gateway has no whole-request read or write timeout: photo uploads and
// downloads stream for as long as they make progress. Instead, every read
// of the client's body and every write of the answer pushes the client
// connection's deadline idle into the future, so a client that trickles
// nothing, or stops reading, is cut off after idle and frees the upstream
// connection it was holding.

// clientBody is the request body the gateway forwards. It records the
// first error reading from the client, so that a broken or stalled upload
// is reported as the client's fault (400 or 408), not the upstream's.
type clientBody struct {
	body io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration

	mu   sync.Mutex
	err  error // first read error other than io.EOF
	done bool  // deadline cleared
}

func (b *clientBody) Read(p []byte) (int, error) {
	_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	n, err := b.body.Read(p)
	switch {
	case err == io.EOF:
		b.release()
	case err != nil:
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	return n, err
}

// Close keeps the deadline unless the body was read to its end: the server
// drains an unread rest before reusing the connection, and that drain must
// not wait on a stalled client forever.
func (b *clientBody) Close() error { return b.body.Close() }

// release clears the read deadline once the whole body arrived: the
// server's background read that follows must not time out during a long
// answer.
func (b *clientBody) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
}

// readErr is the error the client's body failed with, if any.
func (b *clientBody) readErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// progressWriter pushes the client connection's write deadline forward on
// every write of the answer.
type progressWriter struct {
	http.ResponseWriter
	rc       http.ResponseController // a value: one allocation less per request
	idle     time.Duration
	deadline time.Time
}

func (w *progressWriter) Write(p []byte) (int, error) {
	// Moving the deadline costs a timer update; do it only when a quarter
	// of the allowance is used up.
	if now := time.Now(); w.deadline.Sub(now) < w.idle*3/4 {
		w.deadline = now.Add(w.idle)
		_ = w.rc.SetWriteDeadline(w.deadline)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController (Flush, Hijack) reach the server's
// writer.
func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// forward sends r to the upstream with the client-side deadlines in place,
// and clears them afterwards, since the connection may serve another
// request.
func (u *upstream) forward(w http.ResponseWriter, r *http.Request) { u.forwardVia(u.proxy, w, r) }

// forwardVia is forward through one of the upstream's proxies.
func (u *upstream) forwardVia(p http.Handler, w http.ResponseWriter, r *http.Request) {
	if !u.slots.acquire(r.Context()) {
		id := errorID(w, r)
		if rec := unwrapRecorder(w); rec != nil {
			rec.ex.decision, rec.ex.reason, rec.ex.errorID = "deny", errUpstreamBusy.reason, id
		}
		errUpstreamBusy.write(w, id)
		return
	}
	defer u.slots.release()
	if !u.passAuth {
		// Dropped before ReverseProxy copies the headers, not only from the
		// copy (rewrite): a copy that fits Go's small map does not grow
		// when the X-Forwarded-* headers are added.
		delete(r.Header, "Authorization")
	}
	idle := u.g.bodyIdle
	pw := &progressWriter{ResponseWriter: w, rc: *http.NewResponseController(w), idle: idle}
	if r.Body != nil && r.Body != http.NoBody {
		// Only requests with a body pay for the context value.
		cb := &clientBody{body: r.Body, rc: &pw.rc, idle: idle}
		r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, cb))
		r.Body = cb
	}
	p.ServeHTTP(pw, r)
	if pw.deadline != (time.Time{}) {
		_ = pw.rc.SetWriteDeadline(time.Time{})
	}
}

// bodyKey carries a request's *clientBody in its context, to the error
// handler and ModifyResponse, which see requests ReverseProxy made.
type bodyKey struct{}

// clientBodyErr is the error the client's request body failed with.
func clientBodyErr(r *http.Request) error {
	if cb, ok := r.Context().Value(bodyKey{}).(*clientBody); ok {
		return cb.readErr()
	}
	return nil
}

// checkClientBody refuses an upstream answer to a request whose body the
// client failed to send: the upstream saw a truncated request, and may
// have answered it as if it were whole.
func checkClientBody(resp *http.Response) error { return clientBodyErr(resp.Request) }

// unwrapRecorder finds the gateway's recorder under the writers forward
// puts around it.
func unwrapRecorder(w http.ResponseWriter) *recorder {
	for {
		switch t := w.(type) {
		case *recorder:
			return t
		case *progressWriter:
			w = t.ResponseWriter
		default:
			return nil
		}
	}
}
