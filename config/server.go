package config

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scopegate/scopegate/oauthrule"
)

// Defaults for the server, log and store sections.
const (
	DefaultListen      = ":8080"
	DefaultAdminListen = "127.0.0.1:9090"
	DefaultLogLevel    = "info"
	DefaultLogFormat   = "json"
	DefaultStoreDriver = "sqlite"
	DefaultSQLiteDSN   = "scopegate.db"

	// DefaultReadTimeout bounds how long a request to the authorization
	// server may take to arrive, headers and body.
	DefaultReadTimeout = 10 * time.Second
	// DefaultBodyIdleTimeout is the longest a request body sent through
	// the gateway may stall, or a client may stop reading its answer.
	DefaultBodyIdleTimeout = 30 * time.Second
	// DefaultIdleTimeout bounds how long a keep-alive connection waits for
	// its next request.
	DefaultIdleTimeout = 60 * time.Second
)

func (d *decoder) server(n *yaml.Node) Server {
	f := d.mapping(n, "listen", "admin_listen", "hosts", "trusted_proxies", "max_connections",
		"read_timeout", "body_idle_timeout", "idle_timeout")
	s := Server{Listen: DefaultListen, AdminListen: DefaultAdminListen}
	// 0 means: derived from the process's open-file limit when serving.
	s.MaxConnections = d.count(f.get("max_connections"), 0, 1, 1_000_000)
	s.ReadTimeout = d.positiveDuration(f.get("read_timeout"), DefaultReadTimeout, 10*time.Minute)
	s.BodyIdleTimeout = d.positiveDuration(f.get("body_idle_timeout"), DefaultBodyIdleTimeout, time.Hour)
	s.IdleTimeout = d.positiveDuration(f.get("idle_timeout"), DefaultIdleTimeout, time.Hour)
	listen, listenOK := d.listenAddr(f.get("listen"), &s.Listen)
	admin, adminOK := d.listenAddr(f.get("admin_listen"), &s.AdminListen)
	if listenOK && adminOK && sameListener(listen, admin) {
		// threat model B.10: health, metrics and reload stay off the public port.
		at := f.get("admin_listen")
		if at == nil {
			at = f.get("listen")
		}
		d.errorf(at, "admin_listen must differ from listen: the admin endpoints are never served on the public port")
	}
	for _, t := range d.strs(f.get("hosts")) {
		if err := oauthrule.CheckHostName(t.value); err != nil {
			d.errorf(t.node, "host %s %s", t.quoted(), err)
			continue
		}
		s.Hosts = append(s.Hosts, strings.ToLower(t.value))
	}
	for _, t := range d.strs(f.get("trusted_proxies")) {
		if p, ok := d.prefix(t); ok {
			s.TrustedProxies = append(s.TrustedProxies, p)
		}
	}
	return s
}

// listenAddr validates a host:port and stores it in *dst; with no value
// *dst keeps its default. It returns the parsed address.
func (d *decoder) listenAddr(n *yaml.Node, dst *string) (hostPort [2]string, ok bool) {
	if t, set := d.str(n); set {
		host, port, err := net.SplitHostPort(t.value)
		if err != nil || !validPort(port) {
			d.errorf(t.node, "invalid listen address %s (want host:port, such as :8080 or 127.0.0.1:9090)", t.quoted())
			return hostPort, false
		}
		*dst = t.value
		return [2]string{host, port}, true
	}
	host, port, err := net.SplitHostPort(*dst)
	return [2]string{host, port}, err == nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}

// sameListener reports whether two addresses would share a port: the same
// port on the same host, or on a wildcard host. Port 0 picks a free port
// each time, so it never collides.
func sameListener(a, b [2]string) bool {
	if a[1] != b[1] || a[1] == "0" {
		return false
	}
	wild := func(h string) bool {
		ip, err := netip.ParseAddr(h)
		return h == "" || err == nil && ip.IsUnspecified()
	}
	return a[0] == b[0] || wild(a[0]) || wild(b[0])
}

// prefix reads a CIDR or a single IP (which becomes a one-address prefix).
func (d *decoder) prefix(t text) (netip.Prefix, bool) {
	if ip, err := netip.ParseAddr(t.value); err == nil && ip.Zone() == "" {
		return netip.PrefixFrom(ip, ip.BitLen()), true
	}
	p, err := netip.ParsePrefix(t.value)
	if err != nil {
		d.errorf(t.node, "invalid trusted proxy %s (want an IP or a CIDR such as 10.0.0.0/8)", t.quoted())
		return netip.Prefix{}, false
	}
	if p.Masked() != p {
		d.errorf(t.node, "trusted proxy %s has host bits set (did you mean %s?)", t.quoted(), p.Masked())
		return netip.Prefix{}, false
	}
	return p, true
}

func (d *decoder) log(n *yaml.Node) Log {
	f := d.mapping(n, "level", "format", "access", "audit")
	l := Log{Level: DefaultLogLevel, Format: DefaultLogFormat}
	d.oneOf(f.get("level"), &l.Level, "log level", "debug", "info", "warn", "error")
	d.oneOf(f.get("format"), &l.Format, "log format", "json", "console")
	l.Access = d.boolean(f.get("access"), true)
	l.Audit = d.auditOutput(f.get("audit"))
	return l
}

// auditOutput reads log.audit: off, stdout, stderr, true (stdout), false
// (off) or a file path. A path must contain a slash ("./audit.log"), so
// that a misspelt "stdot" is an error rather than a new file.
func (d *decoder) auditOutput(n *yaml.Node) string {
	t, ok := d.str(n)
	if !ok {
		return ""
	}
	switch strings.ToLower(t.value) {
	case "off", "false":
		return ""
	case "stdout", "true":
		return "stdout"
	case "stderr":
		return "stderr"
	}
	if !strings.Contains(t.value, "/") {
		d.errorf(t.node, "unknown audit output %s (want off, stdout, stderr or a file path containing a slash, such as ./audit.log)", t.quoted())
		return ""
	}
	if st, err := os.Stat(t.value); err == nil && st.IsDir() {
		d.errorf(t.node, "audit output %s is a directory (want a file path)", t.quoted())
		return ""
	}
	return t.value
}

func (d *decoder) store(n *yaml.Node) Store {
	f := d.mapping(n, "driver", "dsn", "timeout", "max_connections")
	s := Store{Driver: DefaultStoreDriver}
	// 0 leaves the backend's default (5s, and 20 PostgreSQL connections).
	s.Timeout = d.positiveDuration(f.get("timeout"), 0, time.Minute)
	s.MaxConnections = d.count(f.get("max_connections"), 0, 1, 10_000)
	driverOK := d.oneOf(f.get("driver"), &s.Driver, "store driver", "sqlite", "postgres")
	if t, ok := d.str(f.get("dsn")); ok {
		if t.value == "" {
			d.errorf(t.node, "store dsn must not be empty")
		}
		s.DSN = t.value
	} else if f.get("dsn") == nil && driverOK {
		if s.Driver == "sqlite" {
			s.DSN = DefaultSQLiteDSN
		} else {
			d.errorf(orNode(f.get("driver"), f.node), "store dsn is required for %s", s.Driver)
		}
	}
	if mc := f.get("max_connections"); mc != nil && driverOK && s.Driver != "postgres" {
		d.errorf(mc, "store max_connections applies to postgres only (SQLite needs no pool limit)")
	}
	return s
}

// oneOf reads a value that must be one of allowed into *dst, which keeps
// its default when the value is missing.
func (d *decoder) oneOf(n *yaml.Node, dst *string, what string, allowed ...string) bool {
	t, ok := d.str(n)
	if !ok {
		return n == nil
	}
	if !slices.Contains(allowed, t.value) {
		d.errorf(t.node, "unknown %s %s (want %s)", what, t.quoted(), orList(allowed))
		return false
	}
	*dst = t.value
	return true
}
