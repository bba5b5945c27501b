package policy

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden expectations")

// goldenDoc is the YAML half of a golden file: the env routes are checked
// against, the routes, and requests to decide, each
// "METHOD HOST PATH [scopes=a,b]" (no scopes= field: no token).
type goldenDoc struct {
	Upstreams []string            `yaml:"upstreams"`
	Scopes    []string            `yaml:"scopes"`
	Resources map[string][]string `yaml:"resources"`
	Routes    yaml.Node           `yaml:"routes"`
	Requests  []string            `yaml:"requests"`
}

// TestGolden runs every testdata/*.golden file: policy YAML, a "----" line,
// then the expected diagnostics or one verdict per request.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.golden")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			input, want := readGolden(t, file)
			got := runGolden(t, filepath.Base(file), input)
			if *update {
				if err := os.WriteFile(file, []byte(input+"----\n"+got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func readGolden(t *testing.T, file string) (input, want string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	input, want, ok := strings.Cut(string(b), "\n----\n")
	if !ok {
		t.Fatalf("%s: no ---- line", file)
	}
	return input + "\n", want
}

func runGolden(t *testing.T, name, input string) string {
	t.Helper()
	var doc goldenDoc
	if err := yaml.Unmarshal([]byte(input), &doc); err != nil {
		t.Fatalf("golden YAML: %v", err)
	}
	var out strings.Builder
	routes, diags := DecodeRoutes(name, &doc.Routes)
	set, cdiags := Compile(routes, Env{Upstreams: doc.Upstreams, Scopes: doc.Scopes, Resources: doc.Resources})
	for _, d := range append(diags, cdiags...) {
		out.WriteString(d.String() + "\n")
	}
	if len(diags)+len(cdiags) > 0 {
		return out.String()
	}
	for _, req := range doc.Requests {
		method, host, path, caller := parseRequest(t, req)
		d := set.DecideFor(method, host, path, caller)
		verdict := "deny"
		if d.Allow {
			verdict = "allow"
		}
		if d.Filter {
			verdict += " filtered"
		}
		out.WriteString(req + " -> " + strconv.Itoa(d.Status) + " " + verdict + ": " + d.Reason + "\n")
	}
	return out.String()
}

// parseRequest reads "METHOD HOST PATH [scopes=a,b] [sub=alice]
// [items=type:1,2]"; any field after PATH means a valid token.
func parseRequest(t *testing.T, req string) (method, host, path string, c Caller) {
	t.Helper()
	f := strings.Fields(req)
	if len(f) < 3 {
		t.Fatalf("request %q: want METHOD HOST PATH [scopes=a,b] [sub=x] [items=type:1,2]", req)
	}
	items := testHolder{}
	for _, field := range f[3:] {
		c.HasToken = true
		k, v, _ := strings.Cut(field, "=")
		switch k {
		case "scopes":
			if v != "" {
				c.Scopes = strings.Split(v, ",")
			}
		case "sub":
			c.Subject = v
		case "items":
			typ, ids, _ := strings.Cut(v, ":")
			set := map[string]struct{}{}
			for _, id := range strings.Split(ids, ",") {
				if id != "" {
					set[id] = struct{}{}
				}
			}
			items[typ] = set
			c.Items = items
		default:
			t.Fatalf("request %q: unknown field %q", req, k)
		}
	}
	return f[0], f[1], f[2], c
}

// testHolder is a token narrowed to the listed items of each type it has.
type testHolder map[string]map[string]struct{}

func (h testHolder) PickedItems(typ string, _ []string) (map[string]struct{}, bool) {
	ids, ok := h[typ]
	return ids, ok
}
