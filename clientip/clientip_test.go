package clientip

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

var balancers = Trusted{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}

func TestAddr(t *testing.T) {
	tests := []struct {
		name    string
		trusted Trusted
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies trusted: the peer, whatever the header says", nil, "198.51.100.7:5000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"untrusted peer: its header is ignored", balancers, "198.51.100.7:5000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"trusted peer: the client it saw", balancers, "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"trusted peer without a header: the peer", balancers, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"spoofed entries left of the real client are never read", balancers, "10.1.2.3:5000", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"a chain of trusted proxies is walked past", balancers, "10.1.2.3:5000", []string{"203.0.113.9, 10.9.9.9, 10.8.8.8"}, "203.0.113.9"},
		{"several header lines are one list", balancers, "10.1.2.3:5000", []string{"1.1.1.1", "203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"every hop trusted: the leftmost", balancers, "10.1.2.3:5000", []string{"10.7.7.7, 10.8.8.8"}, "10.7.7.7"},
		{"garbage stops at the last good hop", balancers, "10.1.2.3:5000", []string{"203.0.113.9, not-an-ip"}, "10.1.2.3"},
		{"garbage behind a trusted hop stops there", balancers, "10.1.2.3:5000", []string{"unknown, 10.9.9.9"}, "10.9.9.9"},
		{"empty elements are skipped", balancers, "10.1.2.3:5000", []string{"203.0.113.9,, "}, "203.0.113.9"},
		{"entries with ports", balancers, "10.1.2.3:5000", []string{"203.0.113.9:4711"}, "203.0.113.9"},
		{"IPv6 entry with a port", balancers, "10.1.2.3:5000", []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
		{"IPv6 peer and client", balancers, "[fd00::1]:5000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"IPv4-mapped peer is trusted as IPv4", balancers, "[::ffff:10.1.2.3]:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"IPv4-mapped entry is read as IPv4", balancers, "10.1.2.3:5000", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"zones are refused in entries", balancers, "10.1.2.3:5000", []string{"fe80::1%eth0"}, "10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tt.peer, Header: http.Header{}}
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got, ok := tt.trusted.Addr(r)
			if !ok || got.String() != tt.want {
				t.Errorf("Addr = %v, %v; want %s", got, ok, tt.want)
			}
		})
	}
}

func TestAddrUnparsablePeer(t *testing.T) {
	r := &http.Request{RemoteAddr: "pipe", Header: http.Header{"X-Forwarded-For": {"203.0.113.9"}}}
	if got, ok := balancers.Addr(r); ok {
		t.Errorf("Addr of a peer that is not ip:port = %v, true; want false", got)
	}
}

func TestPeer(t *testing.T) {
	for peer, want := range map[string]bool{
		"10.1.2.3:80": true, "[::ffff:10.1.2.3]:80": true, "[fd00::1]:80": true,
		"11.0.0.1:80": false, "10.1.2.3": false, "": false,
	} {
		if got := balancers.Peer(peer); got != want {
			t.Errorf("Peer(%q) = %v, want %v", peer, got, want)
		}
	}
	if (Trusted{}).Peer("10.1.2.3:80") {
		t.Error("an empty set trusts a peer")
	}
}

// FuzzAddr: whatever X-Forwarded-For holds, the answer is the direct peer
// or an address that appears in the header, and a client that is not
// behind a trusted proxy is always its own peer.
func FuzzAddr(f *testing.F) {
	f.Add("10.1.2.3:5000", "203.0.113.9, 10.9.9.9")
	f.Add("198.51.100.7:1", "1.1.1.1")
	f.Add("[fd00::1]:5000", "[2001:db8::1]:4711,,x")
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := &http.Request{RemoteAddr: peer, Header: http.Header{"X-Forwarded-For": {xff}}}
		got, ok := balancers.Addr(r)
		if !ok {
			return
		}
		ap, err := netip.ParseAddrPort(peer)
		if err != nil {
			t.Fatalf("Addr answered %v for an unparsable peer %q", got, peer)
		}
		direct := ap.Addr().Unmap().WithZone("")
		if !balancers.contains(direct) {
			if got != direct {
				t.Fatalf("untrusted peer %s: Addr = %s", direct, got)
			}
			return
		}
		if got != direct && !namedIn(xff, got) {
			t.Fatalf("Addr = %s, neither the peer %s nor in %q", got, direct, xff)
		}
	})
}

// namedIn reports whether an element of xff, in any spelling, is ip.
func namedIn(xff string, ip netip.Addr) bool {
	for e := range strings.SplitSeq(xff, ",") {
		if p, ok := parseEntry(strings.TrimSpace(e)); ok && p == ip {
			return true
		}
	}
	return false
}
