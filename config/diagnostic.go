package config

import (
	"cmp"
	"slices"
	"strings"

	"github.com/scopegate/scopegate/policy"
)

// Diagnostic is one problem in a config file, at a position. It is the
// policy package's type, so route problems and the rest of the file share
// one list and one format: "FILE:LINE:COL: message".
type Diagnostic = policy.Diagnostic

// Position is a place in a config file (1-based line and column).
type Position = policy.Position

// Diagnostics is every problem found in a config file. Parse and Load
// return it, sorted by position, as their error.
type Diagnostics []Diagnostic

// Error lists the diagnostics one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// sort orders by file, line and column; problems at the same position keep
// the order in which they were found.
func (ds Diagnostics) sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
		)
	})
}
