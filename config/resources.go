package config

import (
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scopegate/scopegate/policy"
)

// Limits of authserver.resources.
const (
	DefaultMaxItems = 200
	MaxMaxItems     = 1000
)

// resourceType keeps RFC 9396 "type" values plain words.
var resourceType = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// resources reads authserver.resources in file order. Scopes must be
// declared and belong to one type at most; the list upstream is checked
// later by checkResourceUpstreams, once the gateway section is read.
func (d *decoder) resources(n *yaml.Node, scopes []Scope) []Resource {
	var out []Resource
	owner := map[string]string{} // scope -> type narrowing it
	for _, e := range d.entries(n) {
		if !resourceType.MatchString(e.key) {
			d.errorf(e.kNode, "invalid resource type %q (letters, digits, '.', '_' and '-')", e.key)
		}
		f := d.mapping(e.value, "scopes", "list", "max_items")
		if f.node == nil || f.node.Kind != yaml.MappingNode {
			if absent(e.value) {
				d.errorf(e.kNode, "resource type %q needs scopes and list", e.key)
			}
			continue
		}
		r := Resource{Type: e.key, MaxItems: DefaultMaxItems, node: e.kNode}
		scopesNode := d.require(f, "scopes")
		for _, t := range d.strs(scopesNode) {
			switch prev, taken := owner[t.value]; {
			case !declaredScope(scopes, t.value):
				d.errorf(t.node, "resource scope %s is not declared under authserver.scopes", t.quoted())
			case t.value == "openid":
				d.errorf(t.node, "openid cannot be narrowed to picked items")
			case taken:
				d.errorf(t.node, "scope %s is already narrowed by resource type %q", t.quoted(), prev)
			default:
				owner[t.value] = e.key
				r.Scopes = append(r.Scopes, t.value)
			}
		}
		if scopesNode != nil && len(r.Scopes) == 0 && len(d.list(scopesNode)) == 0 {
			d.errorf(scopesNode, "resource type %q needs at least one scope", e.key)
		}
		r.List = d.resourceList(d.require(f, "list"))
		if v := f.get("max_items"); v != nil {
			if t, ok := d.str(v); ok {
				n, err := strconv.Atoi(t.value)
				if err != nil || n < 1 || n > MaxMaxItems {
					d.errorf(t.node, "max_items must be a whole number from 1 to %d", MaxMaxItems)
				} else {
					r.MaxItems = n
				}
			}
		}
		out = append(out, r)
	}
	return out
}

func (d *decoder) resourceList(n *yaml.Node) ResourceList {
	f := d.mapping(n, "upstream", "path", "items", "id", "label", "thumbnail")
	var l ResourceList
	if f.node == nil {
		return l
	}
	if t, ok := d.str(d.require(f, "upstream")); ok {
		l.Upstream, l.upstreamNode = t.value, t.node
	}
	if t, ok := d.str(d.require(f, "path")); ok {
		if p := listPathProblem(t.value, false); p != "" {
			d.errorf(t.node, "list path %s %s", t.quoted(), p)
		}
		l.Path = t.value
	}
	// items may be "" (the answer is the array), so it is read raw.
	if v := resolve(f.values["items"]); v == nil {
		d.errorf(f.node, `missing required key "items" (the JSON field holding the array; "" when the answer is the array)`)
	} else if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		d.errorf(v, `items must be a string naming the JSON field of the array ("" when the answer is the array)`)
	} else {
		l.Items = v.Value
	}
	if t, ok := d.str(d.require(f, "id")); ok {
		l.ID = t.value
	}
	if t, ok := d.str(d.require(f, "label")); ok {
		l.Label = t.value
	}
	if t, ok := d.str(f.get("thumbnail")); ok {
		if p := listPathProblem(t.value, true); p != "" {
			d.errorf(t.node, "thumbnail %s %s", t.quoted(), p)
		}
		l.Thumbnail = t.value
	}
	return l
}

// listPathProblem checks a path the authorization server calls upstream:
// absolute, no query, and judged like a gateway path. A thumbnail path
// must hold {id} exactly once.
func listPathProblem(p string, thumbnail bool) string {
	if !strings.HasPrefix(p, "/") {
		return "must start with /"
	}
	if strings.ContainsAny(p, "?#") {
		return "must not have a query or fragment"
	}
	if thumbnail {
		if strings.Count(p, "{id}") != 1 {
			return "must contain {id} once, where the item's id goes"
		}
		p = strings.ReplaceAll(p, "{id}", "x")
	}
	if strings.ContainsAny(p, "{}") {
		return "has braces other than {id}"
	}
	if err := policy.CheckPath(p); err != nil {
		return "is ambiguous: " + strings.TrimPrefix(err.Error(), "policy: ")
	}
	return ""
}

func declaredScope(scopes []Scope, name string) bool {
	for _, s := range scopes {
		if s.Name == name {
			return true
		}
	}
	return false
}

// checkResourceUpstreams reports a list upstream the gateway does not have.
func (d *decoder) checkResourceUpstreams(rs []Resource, ups []Upstream) {
	names := make([]string, 0, len(ups))
	for _, u := range ups {
		names = append(names, u.Name)
	}
	for _, r := range rs {
		l := r.List
		if l.upstreamNode == nil || containsString(names, l.Upstream) {
			continue
		}
		if s := policy.Suggest(l.Upstream, names); s != "" {
			d.errorf(l.upstreamNode, "list upstream %q is not under gateway.upstreams (did you mean %q?)", l.Upstream, s)
		} else {
			d.errorf(l.upstreamNode, "list upstream %q is not under gateway.upstreams", l.Upstream)
		}
	}
}

func containsString(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// resourceEnv is what the policy checks routes' resource types against.
func resourceEnv(rs []Resource) map[string][]string {
	m := make(map[string][]string, len(rs))
	for _, r := range rs {
		m[r.Type] = r.Scopes
	}
	return m
}
