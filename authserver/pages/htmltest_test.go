package pages

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// doc is a parsed page with small query helpers, so tests assert on the
// structure browsers see rather than on exact markup.
type doc struct{ root *html.Node }

func parse(t *testing.T, body string) doc {
	t.Helper()
	n, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing page: %v", err)
	}
	return doc{n}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attrOf(n *html.Node, key string) string {
	v, _ := attr(n, key)
	return v
}

// all returns the elements named tag below n (any tag when tag is "").
func all(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (tag == "" || n.Data == tag) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// byAttr returns the elements named tag whose attribute key equals val.
func (d doc) byAttr(tag, key, val string) []*html.Node {
	var out []*html.Node
	for _, n := range all(d.root, tag) {
		if v, ok := attr(n, key); ok && v == val {
			out = append(out, n)
		}
	}
	return out
}

// fields maps the names of the inputs and buttons inside form to their values.
func fields(form *html.Node) map[string][]string {
	out := map[string][]string{}
	for _, n := range all(form, "") {
		if n.Data != "input" && n.Data != "button" {
			continue
		}
		if name, ok := attr(n, "name"); ok {
			out[name] = append(out[name], attrOf(n, "value"))
		}
	}
	return out
}

// hiddenNames lists the hidden inputs of form in document order.
func hiddenNames(form *html.Node) []string {
	var out []string
	for _, n := range all(form, "input") {
		if attrOf(n, "type") == "hidden" {
			out = append(out, attrOf(n, "name"))
		}
	}
	return out
}
