package policy

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeItemRef reads resource: {type: photos, id: "{id}"}. It returns nil
// after reporting a problem, so the route is left out whole.
func decodeItemRef(file string, v *yaml.Node, add addFunc) *ItemRef {
	fs, ok := decodeFields(file, v, "resource", []string{"type", "id"}, add)
	if !ok {
		return nil
	}
	ref := &ItemRef{Pos: pos(file, v)}
	tn, in := fs["type"], fs["id"]
	if tn == nil || in == nil {
		add(v, `resource needs type and id, such as {type: photos, id: "{id}"}`)
		return nil
	}
	ref.Type, ref.TypePos = decodeString(file, tn, "resource type", add)
	ref.Param, ref.IDPos = decodeParam(file, in, "resource id", add)
	if ref.Type == "" || ref.Param == "" {
		return nil
	}
	return ref
}

// decodeListFilter reads filter: {type: photos, items: photos, id: id}.
func decodeListFilter(file string, v *yaml.Node, add addFunc) *ListFilter {
	fs, ok := decodeFields(file, v, "filter", []string{"type", "items", "id"}, add)
	if !ok {
		return nil
	}
	f := &ListFilter{Pos: pos(file, v)}
	tn, itn, idn := fs["type"], fs["items"], fs["id"]
	if tn == nil || itn == nil || idn == nil {
		add(v, `filter needs type, items and id, such as {type: photos, items: photos, id: id} (items: "" when the answer is the array)`)
		return nil
	}
	f.Type, f.TypePos = decodeString(file, tn, "filter type", add)
	if itn.Kind != yaml.ScalarNode || itn.ShortTag() != "!!str" {
		add(itn, `filter items must be a string naming the JSON field of the array ("" when the answer is the array)`)
		return nil
	}
	f.Items = itn.Value
	f.ID, _ = decodeString(file, idn, "filter id", add)
	if f.Type == "" || f.ID == "" {
		return nil
	}
	return f
}

// decodeFields reads a small mapping with known keys.
func decodeFields(file string, v *yaml.Node, what string, known []string, add addFunc) (map[string]*yaml.Node, bool) {
	if v.Kind != yaml.MappingNode {
		add(v, "%s must be a mapping with %s", what, strings.Join(known, ", "))
		return nil, false
	}
	out := map[string]*yaml.Node{}
	ok := true
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], resolveAlias(v.Content[i+1])
		switch {
		case k.Kind != yaml.ScalarNode:
			add(k, "%s keys must be plain strings", what)
			ok = false
		case out[k.Value] != nil:
			add(k, "duplicate key %q in %s", k.Value, what)
			ok = false
		case !slices.Contains(known, k.Value):
			if s := Suggest(k.Value, known); s != "" {
				add(k, "unknown key %q in %s (did you mean %q?)", k.Value, what, s)
			} else {
				add(k, "unknown key %q in %s (want %s)", k.Value, what, strings.Join(known, ", "))
			}
			ok = false
		default:
			out[k.Value] = val
		}
	}
	return out, ok
}

// decodeParam reads a path parameter written as "{name}".
func decodeParam(file string, v *yaml.Node, what string, add addFunc) (string, Position) {
	s, p := decodeString(file, v, what, add)
	if s == "" {
		return "", p
	}
	name, ok := paramName(s)
	if !ok {
		add(v, `%s must name a path parameter in braces, such as "{id}"`, what)
		return "", p
	}
	return name, p
}
