package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scopegate/scopegate/oauthrule"
	"github.com/scopegate/scopegate/policy"
)

// proxyDefaultTimeout is the upstream timeout when none is set (proxy's
// DefaultUpstreamTimeout; config does not import proxy).
const proxyDefaultTimeout = 30 * time.Second

// upstreamName keeps names usable in logs and metrics labels as written.
var upstreamName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// gateway reads the gateway section. issuer is our own, which must not
// also be listed as a trusted external issuer.
func (d *decoder) gateway(n *yaml.Node, as AuthServer) (Gateway, *policy.Set) {
	issuer, scopes := as.Issuer, as.Scopes
	f := d.mapping(n, "trusted_issuers", "upstreams", "routes", "browser")
	var g Gateway
	g.Browser = d.browser(f.get("browser"))
	g.TrustedIssuers = d.trustedIssuers(f.get("trusted_issuers"), issuer)
	g.Upstreams = d.upstreams(f.get("upstreams"))

	// Routes are the policy package's language; it decodes and checks
	// them. Route values are not ${VAR}-expanded: a policy means the same
	// wherever it is checked.
	routesNode := f.get("routes")
	routes, diags := policy.DecodeRoutes(d.file, routesNode)
	d.diags = append(d.diags, diags...)
	d.authServerRoutes(routes)
	if r := resolve(routesNode); r != nil && r.Kind == yaml.SequenceNode && len(r.Content) > 0 && emptyMapping(f.get("upstreams")) {
		d.errorf(routesNode, "routes need at least one upstream under gateway.upstreams")
	}
	// Non-nil lists: policy skips a check when given nil.
	env := policy.Env{Upstreams: []string{}, Scopes: []string{}, Resources: resourceEnv(as.Resources)}
	for _, u := range g.Upstreams {
		env.Upstreams = append(env.Upstreams, u.Name)
		if u.CaseInsensitive {
			env.CaseInsensitive = append(env.CaseInsensitive, u.Name)
		}
	}
	for _, s := range scopes {
		env.Scopes = append(env.Scopes, s.Name)
	}
	set, diags := policy.Compile(routes, env)
	for _, dg := range diags {
		if dg.Pos.File == "" {
			dg.Pos = d.pos(routesNode)
		}
		d.diags = append(d.diags, dg)
	}
	return g, set
}

func (d *decoder) trustedIssuers(n *yaml.Node, ours string) []TrustedIssuer {
	var out []TrustedIssuer
	seen := map[string]*yaml.Node{}
	for _, item := range d.list(n) {
		f := d.mapping(item, "issuer", "audience")
		if f.node.Kind != yaml.MappingNode {
			if absent(f.node) {
				d.errorf(f.node, "expected a trusted issuer mapping, got nothing")
			}
			continue
		}
		var ti TrustedIssuer
		if t, ok := d.str(d.require(f, "issuer")); ok {
			first, dup := seen[t.value]
			switch err := oauthrule.CheckIssuer(t.value, false); {
			case err != nil:
				d.errorf(t.node, "trusted issuer %s %v", t.quoted(), err)
			case dup:
				d.errorf(t.node, "duplicate trusted issuer %s (first at line %d)", t.quoted(), first.Line)
			case t.value == ours:
				d.errorf(t.node, "trusted issuer %s is this server's own issuer, which is always trusted", t.quoted())
			default:
				seen[t.value] = t.node
			}
			ti.Issuer = t.value
		}
		if t, ok := d.str(d.require(f, "audience")); ok {
			if t.value == "" {
				d.errorf(t.node, "audience must not be empty")
			}
			ti.Audience = t.value
		}
		out = append(out, ti)
	}
	return out
}

// upstreams reads the name: {url, ...} mapping in file order.
func (d *decoder) upstreams(n *yaml.Node) []Upstream {
	var out []Upstream
	for _, e := range d.entries(n) {
		if !upstreamName.MatchString(e.key) {
			d.errorf(e.kNode, "invalid upstream name %q (letters, digits, '.', '_' and '-')", e.key)
		}
		f := d.mapping(e.value, "url", "pass_authorization", "case_insensitive", "timeout", "max_connections", "idle_connections", "stall_timeout")
		if absent(e.value) {
			d.errorf(e.kNode, "upstream %q needs a url", e.key)
			continue
		}
		u := Upstream{Name: e.key}
		if t, ok := d.str(d.require(f, "url")); ok {
			parsed, err := url.Parse(t.value)
			if err != nil {
				d.errorf(t.node, "upstream url %s must be an absolute http or https URL", t.quoted())
			} else if p := upstreamURLProblem(parsed, t.value); p != "" {
				d.errorf(t.node, "upstream url %s %s", t.quoted(), p)
			}
			u.URL = parsed
		}
		u.PassAuthorization = d.boolean(f.get("pass_authorization"), false)
		u.CaseInsensitive = d.boolean(f.get("case_insensitive"), false)
		if timeout, ok := d.duration(f.get("timeout"), 0); ok {
			if timeout <= 0 {
				d.errorf(f.get("timeout"), "timeout must be positive")
			}
			u.Timeout = timeout
		}
		u.MaxConnections = d.count(f.get("max_connections"), 0, 1, 100_000)
		u.IdleConnections = d.count(f.get("idle_connections"), 0, 1, 100_000)
		if u.MaxConnections > 0 && u.IdleConnections > u.MaxConnections {
			d.errorf(f.get("idle_connections"), "idle_connections must not exceed max_connections (%d)", u.MaxConnections)
		}
		u.StallTimeout = d.positiveDuration(f.get("stall_timeout"), 0, 24*time.Hour)
		effective := u.Timeout
		if effective <= 0 {
			effective = proxyDefaultTimeout
		}
		if u.StallTimeout > 0 && u.StallTimeout < effective {
			d.errorf(f.get("stall_timeout"), "stall_timeout must not be shorter than the upstream's timeout (%s)", effective)
		}
		out = append(out, u)
	}
	return out
}

func emptyMapping(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == yaml.MappingNode && len(n.Content) == 0
}

// Defaults of gateway.browser.
const (
	DefaultSessionLifetime    = 8 * time.Hour
	DefaultSessionIdleTimeout = 30 * time.Minute
)

// browser reads gateway.browser: the session bounds of login: browser routes.
func (d *decoder) browser(n *yaml.Node) Browser {
	b := Browser{SessionLifetime: DefaultSessionLifetime, IdleTimeout: DefaultSessionIdleTimeout}
	f := d.mapping(n, "session_lifetime", "idle_timeout")
	if v, ok := d.duration(f.get("session_lifetime"), 0); ok {
		if v <= 0 || v > 30*24*time.Hour {
			d.errorf(f.get("session_lifetime"), "session_lifetime must be positive and at most 720h")
		}
		b.SessionLifetime = v
	}
	if v, ok := d.duration(f.get("idle_timeout"), 0); ok {
		if v <= 0 {
			d.errorf(f.get("idle_timeout"), "idle_timeout must be positive")
		}
		b.IdleTimeout = v
	}
	if b.IdleTimeout > b.SessionLifetime && b.SessionLifetime > 0 {
		d.errorf(orNode(f.get("idle_timeout"), f.get("session_lifetime")), "idle_timeout must not exceed session_lifetime")
	}
	return b
}

// authServerRoutes refuses routes for the authorization server's own
// paths: serve hands those requests to the authorization server before
// the gateway sees them, so such a route would never apply.
func (d *decoder) authServerRoutes(routes []policy.Route) {
	for _, r := range routes {
		if i := strings.IndexByte(r.Pattern, '/'); i >= 0 && oauthrule.IsAuthServerPath(r.Pattern[i:]) {
			d.diags = append(d.diags, Diagnostic{Pos: r.PatternPos,
				Message: fmt.Sprintf("route %q is on the authorization server's paths (/oauth2/ and its /.well-known/ metadata), which the gateway never serves", r.Pattern)})
		}
	}
}
