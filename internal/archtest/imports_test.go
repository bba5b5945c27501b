package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/scopegate/scopegate"

// allowed lists, per package (relative to the module), the packages of ours
// it may import. A package missing from the table may import nothing of
// ours, unless it is a test-only or internal helper listed under open.
//
// policy and token import nothing of ours but oauthrule, the
// standard-library-only leaf that holds the protocol vocabulary (scope
// grammar, issuer and redirect URI rules, identifiers, grant types, Bearer
// parsing): one home for each rule, so that `check` and `serve` judge a
// config the same way.
var allowed = map[string][]string{
	"oauthrule":               {},
	"policy":                  {"oauthrule"},
	"token":                   {"oauthrule"},
	"store":                   {},
	"httplog":                 {},
	"clientip":                {},
	"config":                  {"policy", "oauthrule"},
	"authserver":              {"store", "token", "httplog", "authserver/pages", "oauthrule", "clientip"},
	"authserver/pages":        {},
	"proxy":                   {"policy", "token", "httplog", "oauthrule", "clientip"},
	"store/internal/sqlstore": {"store"},
	"store/sqlite":            {"store", "store/internal/sqlstore"},
	"store/postgres":          {"store", "store/internal/sqlstore"},
	"store/storetest":         {"store"},
	"token/tokentest":         {"token"},
	"internal/demo":           {},
	"internal/benchdata":      {},
	"internal/demo/photoapi":  {},
	"internal/demo/printshop": {},
}

// open packages may import anything of ours: the wiring and the tests that
// span the whole product.
var open = []string{"cmd/scopegate", "internal/archtest", "bench"}

// forbiddenNames are package names that say nothing about what they provide.
var forbiddenNames = []string{"util", "utils", "common", "helpers", "apis", "types", "models", "misc"}

type listedPackage struct {
	ImportPath string
	Imports    []string
}

func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		seen++
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if slices.Contains(forbiddenNames, path.Base(rel)) {
			t.Errorf("package %s: name %q says nothing about what it provides", p.ImportPath, path.Base(rel))
		}
		if slices.ContainsFunc(open, func(o string) bool { return rel == o || strings.HasPrefix(rel, o+"/") }) {
			continue
		}
		may, listed := allowed[rel]
		if !listed {
			t.Errorf("package %s is not in the dependency table of internal/archtest; add it with what it may import", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			if !slices.Contains(may, strings.TrimPrefix(imp, module+"/")) {
				t.Errorf("%s imports %s, which the dependency direction forbids (allowed: %v)", p.ImportPath, imp, may)
			}
		}
	}
	if seen < 5 {
		t.Fatalf("go list found %d packages; the test is not looking at the module", seen)
	}
}

// TestDriversStayInTheirBackend keeps each database driver inside its own
// store backend.
func TestDriversStayInTheirBackend(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	owner := map[string]string{
		"modernc.org/sqlite":             module + "/store/sqlite",
		"github.com/jackc/pgx/v5/stdlib": module + "/store/postgres",
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if want, ok := owner[imp]; ok && fields[0] != want {
				t.Errorf("%s imports %s; only %s may", fields[0], imp, want)
			}
		}
	}
}

// TestLeafUsesOnlyTheStandardLibrary keeps oauthrule importable from every
// package, policy and token included, without dragging in a module.
func TestLeafUsesOnlyTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, module+"/oauthrule").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := strings.Fields(string(out))
	if len(imports) == 0 {
		t.Fatal("go list found no imports of oauthrule; the test is not looking at it")
	}
	for _, imp := range imports {
		if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
			t.Errorf("oauthrule imports %s; it may use only the standard library", imp)
		}
	}
}
