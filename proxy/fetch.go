package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/scopegate/scopegate/policy"
	"github.com/scopegate/scopegate/token"
)

// ErrUnknownUpstream is returned by Fetch for an upstream the gateway does
// not have.
var ErrUnknownUpstream = errors.New("proxy: unknown upstream")

// errBusy is returned by Fetch when the upstream's connection limit stays
// reached (Upstream.MaxConnections).
var errBusy = errors.New("proxy: upstream busy")

// Fetch sends GET path to the named upstream exactly as the gateway would
// forward a request of the token holder c: over the upstream's own
// transport and connection limit, with only the identity headers the
// gateway sets (X-Auth-Subject, X-Auth-Client-Id, X-Auth-Scope) and no
// credentials of any caller. The authorization server uses it to list the
// signed-in user's items on the consent page (RFC 9396 picker) and to
// fetch their thumbnails, so that a legacy API needs no second way of
// being called. path must be absolute, without query, and clean (judged
// like a gateway path: threat model B.1). The caller must close the body;
// bounding its size and time is the caller's job (ctx).
func (g *Gateway) Fetch(ctx context.Context, upstream, path string, c *token.Claims) (*http.Response, error) {
	u := g.upstreams[upstream]
	if u == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownUpstream, upstream)
	}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("proxy: fetch path %q must be absolute, without query or fragment", path)
	}
	if err := policy.CheckPath(path); err != nil {
		return nil, err
	}
	plain, err := url.PathUnescape(path)
	if err != nil {
		return nil, err
	}
	target := *u.target
	target.RawPath = strings.TrimSuffix(target.EscapedPath(), "/") + path
	target.Path = strings.TrimSuffix(target.Path, "/") + plain
	target.RawQuery, target.Fragment = "", ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, image/*")
	setIdentity(req.Header, c)
	if u.slots != nil {
		if !u.slots.acquire(ctx) {
			return nil, errBusy
		}
	}
	resp, err := u.proxy.Transport.RoundTrip(req)
	if err != nil {
		if u.slots != nil {
			u.slots.release()
		}
		return nil, err
	}
	if u.slots != nil {
		resp.Body = &releasingBody{ReadCloser: resp.Body, release: u.slots.release}
	}
	return resp, nil
}

// releasingBody gives the upstream's connection slot back once, when the
// caller closes the body.
type releasingBody struct {
	io.ReadCloser
	release func()
	done    bool
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	if !b.done {
		b.done = true
		b.release()
	}
	return err
}
