package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParse: arbitrary bytes never panic; the result is either a File with
// a policy or a non-empty, sorted Diagnostics with real positions; and a
// value from the environment never shows up in a diagnostic.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	seeds = append(seeds, "../config.example.yaml")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", "a: &x [*x]\n", "server: {listen: ${X}}\n", "log: {level: $${X}}\n", "? [a]\n: b\n"} {
		f.Add([]byte(s))
	}
	const envValue = "ENV-VALUE-7f3a"
	env := func(string) (string, bool) { return envValue, true }
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("f.yaml", data, env)
		if err == nil {
			if file == nil || file.Policy == nil {
				t.Fatalf("no error but File %v", file)
			}
			return
		}
		var ds Diagnostics
		if !errors.As(err, &ds) || len(ds) == 0 || file != nil {
			t.Fatalf("error %T %v with File %v", err, err, file)
		}
		if !slices.IsSortedFunc(ds, func(a, b Diagnostic) int { return a.Pos.Line - b.Pos.Line }) {
			t.Errorf("diagnostics not sorted:\n%v", ds)
		}
		for _, d := range ds {
			if d.Pos.File != "f.yaml" || d.Pos.Line < 1 || d.Pos.Column < 1 {
				t.Errorf("diagnostic without a position: %q", d.String())
			}
			if strings.Contains(d.Message, envValue) && !bytes.Contains(data, []byte(envValue)) {
				t.Errorf("diagnostic shows an expanded value: %q", d.String())
			}
		}
	})
}
