// Package clientip owns one rule: which address a request came from. It
// is the direct peer, unless that peer is a proxy the operator trusts
// (server.trusted_proxies), in which case X-Forwarded-For is read from the
// right, past every trusted hop, to the first address nobody trusted
// added. Entries left of that one were written by the client and prove
// nothing, so they are never read (MDN, "X-Forwarded-For: Security and
// privacy concerns"; RFC 7239 §8.3 for the same reasoning about Forwarded).
//
// It imports nothing of ours, so that the gateway's forwarding headers and
// the authorization server's rate limits and audit log agree on one answer.
package clientip

import (
	"net/http"
	"net/netip"
	"strings"
)

// Trusted is the set of proxies whose X-Forwarded-For is believed.
type Trusted []netip.Prefix

// Peer reports whether remoteAddr ("ip:port", as in http.Request) is a
// trusted proxy.
func (t Trusted) Peer(remoteAddr string) bool {
	if len(t) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false
	}
	return t.contains(ap.Addr())
}

func (t Trusted) contains(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	for _, p := range t {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Addr returns the address r came from, and false when even the direct
// peer cannot be parsed (a test's fake RemoteAddr, say). From a trusted
// peer it is the rightmost X-Forwarded-For entry that is not itself a
// trusted proxy; an entry that is not an IP address stops the walk at the
// last hop known good, so a malformed header never lets the client choose.
func (t Trusted) Addr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	client := ap.Addr().Unmap().WithZone("")
	if !t.contains(client) {
		return client, true
	}
	// Several X-Forwarded-For lines are one list, in order (RFC 9110 §5.3).
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		rest := values[i]
		for rest != "" {
			var entry string
			if j := strings.LastIndexByte(rest, ','); j >= 0 {
				entry, rest = rest[j+1:], rest[:j]
			} else {
				entry, rest = rest, ""
			}
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			ip, ok := parseEntry(entry)
			if !ok {
				return client, true
			}
			client = ip
			if !t.contains(ip) {
				return client, true
			}
		}
	}
	// Every hop was trusted: the leftmost one is as far as we can see.
	return client, true
}

// parseEntry reads one X-Forwarded-For element: an IP address, which some
// proxies write with a port ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseEntry(s string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(s); err == nil && ip.Zone() == "" {
		return ip.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
