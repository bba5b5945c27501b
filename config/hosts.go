package config

import (
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/scopegate/scopegate/oauthrule"
)

// loopbackNames are the names a browser or curl on this machine uses for
// it; a server reachable only there may answer to all of them.
var loopbackNames = []string{"localhost", "127.0.0.1", "::1"}

// AllowedHosts lists the host names the public listener answers for, in
// canonical form (see oauthrule.CanonicalHost): the issuer's host, the
// hosts that route patterns name, server.hosts, and the loopback names
// when the issuer is on loopback or the listener listens only there.
// Requests naming another Host are refused before any routing, so that
// a gateway reached under a name nobody configured (DNS rebinding, a
// shared load balancer) forwards nothing (RFC 9110 §7.4, §15.5.20).
func (f *File) AllowedHosts() []string {
	var hosts []string
	add := func(h string) {
		if c, ok := oauthrule.CanonicalHost(h); ok && !slices.Contains(hosts, c) {
			hosts = append(hosts, c)
		}
	}
	issuerHost := ""
	if u, err := url.Parse(f.AuthServer.Issuer); err == nil {
		issuerHost = u.Hostname()
		add(u.Host)
	}
	for _, r := range f.Policy.Routes() {
		if h := patternHost(r.Pattern); h != "" {
			add(h)
		}
	}
	for _, h := range f.Server.Hosts {
		add(h)
	}
	listenHost, _, _ := net.SplitHostPort(f.Server.Listen)
	if oauthrule.IsLoopbackHost(issuerHost) || (listenHost != "" && oauthrule.IsLoopbackHost(listenHost)) {
		for _, h := range loopbackNames {
			if !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	return hosts
}

// patternHost is the host of a ServeMux pattern "[METHOD ][HOST]/PATH",
// or "" when it has none.
func patternHost(pattern string) string {
	if _, rest, ok := strings.Cut(pattern, " "); ok {
		pattern = strings.TrimLeft(rest, " \t")
	}
	host, _, _ := strings.Cut(pattern, "/")
	return host
}

// Warnings lists what is legal but likely wrong, as FILE:LINE:COL
// diagnostics: `scopegate check` prints them without failing, and serve
// logs them: protected routes that a public route of the same upstream
// shadows for paths differing only in case (policy.Set.CaseShadows), and
// picked-item routes whose path names a parameter that neither the id nor
// an owner binds (policy.Set.UnboundItemParams).
func (f *File) Warnings() Diagnostics {
	return Diagnostics(f.Policy.Warnings())
}
