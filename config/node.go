package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scopegate/scopegate/policy"
)

// decoder walks the yaml.Node tree itself, instead of yaml.v3's
// KnownFields, because KnownFields stops at the first problem and loses
// positions inside custom unmarshalers. Every problem goes to diags and
// decoding carries on, so one run reports them all.
type decoder struct {
	file      string
	lookupEnv func(string) (string, bool)
	diags     Diagnostics
}

func (d *decoder) pos(n *yaml.Node) Position {
	if n == nil {
		// Only a missing top-level section has no node; point at the file.
		return Position{File: d.file, Line: 1, Column: 1}
	}
	return Position{File: d.file, Line: n.Line, Column: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.diags = append(d.diags, Diagnostic{Pos: d.pos(n), Message: fmt.Sprintf(format, args...)})
}

// resolve follows aliases (*name) a bounded number of times.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; i < 8 && n != nil && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

// absent reports a missing value; an empty value ("key:") counts as missing.
func absent(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a node's kind for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "a string"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a scalar"
	}
	return "something else"
}

// entry is one key/value pair of a mapping.
type entry struct {
	key   string
	kNode *yaml.Node
	value *yaml.Node
}

// entries returns a mapping's pairs in file order, reporting duplicate and
// non-scalar keys. A missing or empty value yields no entries; anything
// else that is not a mapping is reported.
func (d *decoder) entries(n *yaml.Node) []entry {
	n = resolve(n)
	if absent(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "expected a mapping, got %s", describe(n))
		return nil
	}
	var out []entry
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "expected a string key, got %s", describe(k))
			continue
		}
		if f, dup := first[k.Value]; dup {
			d.errorf(k, "duplicate key %q (first at line %d)", k.Value, f.Line)
			continue
		}
		first[k.Value] = k
		out = append(out, entry{key: k.Value, kNode: k, value: resolve(n.Content[i+1])})
	}
	return out
}

// fields is a mapping with a fixed set of keys.
type fields struct {
	node   *yaml.Node
	values map[string]*yaml.Node
}

// get returns the value under key, or nil when it is missing or empty.
func (f fields) get(key string) *yaml.Node {
	if v := f.values[key]; !absent(v) {
		return v
	}
	return nil
}

// mapping reads a mapping whose keys must be among known, reporting each
// unknown key with the closest known one.
func (d *decoder) mapping(n *yaml.Node, known ...string) fields {
	f := fields{node: resolve(n), values: map[string]*yaml.Node{}}
	for _, e := range d.entries(n) {
		if !slices.Contains(known, e.key) {
			if s := policy.Suggest(e.key, known); s != "" {
				d.errorf(e.kNode, "unknown key %q (did you mean %q?)", e.key, s)
			} else {
				d.errorf(e.kNode, "unknown key %q (known keys: %s)", e.key, strings.Join(known, ", "))
			}
			continue
		}
		f.values[e.key] = e.value
	}
	return f
}

// require returns the value under key, or reports it missing.
func (d *decoder) require(f fields, key string) *yaml.Node {
	v := f.get(key)
	if v == nil && f.node != nil {
		d.errorf(f.node, "missing required key %q", key)
	}
	return v
}

// list returns a sequence's items; a missing or empty value is no items.
func (d *decoder) list(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if absent(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "expected a list, got %s", describe(n))
		return nil
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		items[i] = resolve(c)
	}
	return items
}

// text is a scalar's value after ${VAR} expansion, with what the file
// says, so that diagnostics can quote the file and never a secret.
type text struct {
	value string
	raw   string
	node  *yaml.Node
}

// quoted is the value as written in the file, quoted for a message.
func (t text) quoted() string { return strconv.Quote(t.raw) }

// str reads a scalar. ok is false when the value is missing or was
// reported. Only string-tagged scalars are expanded; numbers and booleans
// are taken as written.
func (d *decoder) str(n *yaml.Node) (t text, ok bool) {
	n = resolve(n)
	if absent(n) {
		return text{}, false
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "expected a string, got %s", describe(n))
		return text{}, false
	}
	t = text{value: n.Value, raw: n.Value, node: n}
	if n.ShortTag() == "!!str" {
		v, err := expand(n.Value, d.lookupEnv)
		if err != nil {
			d.errorf(n, "%v", err)
			return text{}, false
		}
		t.value = v
	}
	return t, true
}

// strs reads a list of scalars, skipping reported items.
func (d *decoder) strs(n *yaml.Node) []text {
	var out []text
	for _, item := range d.list(n) {
		if t, ok := d.str(item); ok {
			out = append(out, t)
		} else if absent(item) {
			d.errorf(item, "expected a string, got nothing")
		}
	}
	return out
}

// boolean reads true or false; a missing value leaves def.
func (d *decoder) boolean(n *yaml.Node, def bool) bool {
	t, ok := d.str(n)
	if !ok {
		return def
	}
	switch strings.ToLower(t.value) {
	case "true":
		return true
	case "false":
		return false
	}
	d.errorf(t.node, "expected true or false, got %s", t.quoted())
	return def
}

// duration reads a Go duration ("10m"); a missing value leaves def.
func (d *decoder) duration(n *yaml.Node, def time.Duration) (time.Duration, bool) {
	t, ok := d.str(n)
	if !ok {
		return def, false
	}
	v, err := time.ParseDuration(t.value)
	if err != nil {
		d.errorf(t.node, "invalid duration %s (use a number with a unit, such as 30s, 10m or 1h)", t.quoted())
		return def, false
	}
	return v, true
}

// count reads a whole number between lo and hi; a missing value leaves def.
func (d *decoder) count(n *yaml.Node, def, lo, hi int) int {
	t, ok := d.str(n)
	if !ok {
		return def
	}
	v, err := strconv.Atoi(t.value)
	if err != nil || v < lo || v > hi {
		d.errorf(t.node, "expected a whole number from %d to %d, got %s", lo, hi, t.quoted())
		return def
	}
	return v
}

// positiveDuration reads a duration that must be above zero and at most
// max; a missing value leaves def.
func (d *decoder) positiveDuration(n *yaml.Node, def, max time.Duration) time.Duration {
	v, ok := d.duration(n, def)
	if !ok {
		return def
	}
	if v <= 0 || v > max {
		d.errorf(n, "duration must be above 0 and at most %s", max)
		return def
	}
	return v
}

// orNode returns n, or fallback when n is nil.
func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n == nil {
		return fallback
	}
	return n
}

// orList writes "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
