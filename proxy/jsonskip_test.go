package proxy

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// skipMembers validates the rest of an object at nesting depth, from just
// after a member's value, and returns the position after its closing
// brace: the strict reading skipDropped is checked against.
func skipMembers(b []byte, i, depth int) (int, error) {
	i, c := tok(b, i)
	if c == '}' {
		return i + 1, nil
	}
	if c != ',' {
		return 0, errSyntax
	}
	i, c = tok(b, i+1)
	return members(b, i, c, depth)
}

// randValue writes a random JSON value rich in what skipDropped must get
// right: brackets and quotes inside strings, escapes (also of quotes and
// backslashes), long strings across 64-byte blocks, nesting, UTF-8.
func randValue(r *rand.Rand, sb *strings.Builder, depth int) {
	switch n := r.IntN(10); {
	case n < 4 || depth > 6:
		sb.WriteByte('"')
		for range r.IntN(90) {
			switch k := r.IntN(20); {
			case k == 0:
				sb.WriteString(`\"`)
			case k == 1:
				sb.WriteString(`\\`)
			case k == 2:
				sb.WriteString(`\u00e9`)
			case k < 6:
				sb.WriteByte("{}[],:"[r.IntN(6)])
			case k == 6:
				sb.WriteString("é")
			default:
				sb.WriteByte(byte('a' + r.IntN(26)))
			}
		}
		sb.WriteByte('"')
	case n < 6:
		fmt.Fprintf(sb, "%d", r.IntN(100000)-500)
	case n == 6:
		sb.WriteString([]string{"true", "false", "null"}[r.IntN(3)])
	case n == 7:
		sb.WriteByte('[')
		for k := range r.IntN(4) {
			if k > 0 {
				sb.WriteString(", ")
			}
			randValue(r, sb, depth+1)
		}
		sb.WriteByte(']')
	default:
		sb.WriteByte('{')
		for k := range r.IntN(4) {
			if k > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(sb, `"k%d" : `, k)
			randValue(r, sb, depth+1)
		}
		sb.WriteByte('}')
	}
}

// TestSkipDroppedAgrees: on valid items, at every alignment against the
// 64-byte blocks, skipDropped ends each item where the strict reading
// does, with each block reader this CPU runs.
func TestSkipDroppedAgrees(t *testing.T) { eachBlockReader(t, testSkipDroppedAgrees) }

func testSkipDroppedAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := range 3000 {
		var sb strings.Builder
		sb.WriteString(strings.Repeat(" ", n%blockSize))
		sb.WriteString(`{"id":"x"`)
		after := sb.Len()
		for k := range r.IntN(6) {
			fmt.Fprintf(&sb, `, "m%d":`, k)
			randValue(r, &sb, 3)
		}
		sb.WriteString("}")
		sb.WriteString(strings.Repeat(`,{"id":"y"}`, r.IntN(3)))
		b := []byte(sb.String())
		want, err := skipMembers(b, after, 2)
		if err != nil {
			t.Fatalf("generated an invalid item %q: %v", b, err)
		}
		if got, err := skipDropped(b, after, 2); got != want || err != nil {
			t.Fatalf("skipDropped(%q) = %d, %v; want %d", b, got, err, want)
		}
	}
}

// TestSkipDroppedRefuses: a dropped item whose structure is broken is
// refused, whatever 64-byte block the break falls in.
func TestSkipDroppedRefuses(t *testing.T) { eachBlockReader(t, testSkipDroppedRefuses) }

func testSkipDroppedRefuses(t *testing.T) {
	pad := `,"pad":"` + strings.Repeat("p", 70) + `"`
	for _, tt := range []struct{ name, rest string }{
		{"unterminated string", `,"x":"abc}`},
		{"escaped closing quote", `,"x":"abc\"}`},
		{"array closed by a brace", `,"x":[1,2}}`},
		{"object closed by a bracket", `,"x":{"a":1]}`},
		{"item never closed", `,"x":[1,2]`},
		{"item closed by a bracket", `,"x":1]`},
		{"nothing after the id", ``},
	} {
		for _, rest := range []string{tt.rest, pad + tt.rest, tt.rest + pad} {
			b := []byte(`{"id":"x"` + rest)
			if end, err := skipDropped(b, len(`{"id":"x"`), 2); err == nil {
				t.Errorf("%s: skipDropped(%q) = %d; want an error", tt.name, b, end)
			}
		}
	}
	deep := []byte(`{"id":"x","d":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`)
	if _, err := skipDropped(deep, len(`{"id":"x"`), 2); !errors.Is(err, errDepth) {
		t.Errorf("nesting past maxDepth: err %v; want errDepth", err)
	}
}

// FuzzSkipDropped: wherever the strict reading ends an item after its id,
// skipDropped ends it there too.
func FuzzSkipDropped(f *testing.F) {
	for _, s := range []string{`}`, `,"a":1}`, `,"a":"}\""}`, `,"a":[{"b":"]"}],"c":null}`, `,"s":"` + strings.Repeat("x", 100) + `"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rest string) {
		b := []byte(`{"id":"x"` + rest)
		after := len(`{"id":"x"`)
		want, err := skipMembers(b, after, 2)
		if err != nil {
			return
		}
		if got, err := skipDropped(b, after, 2); got != want || err != nil {
			t.Fatalf("skipDropped(%q) = %d, %v; want %d", b, got, err, want)
		}
	})
}

func BenchmarkSkipDropped(b *testing.B) {
	item := []byte(`{"id":"1","title":"Photo number 1","taken":"2024-05-02T10:00:00Z","width":4032,"height":3024,"camera":"Pixel 8","tags":["holiday","beach","family"],"album":"Summer 1","caption":"A picture with some words describing it at length"}`)
	after := len(`{"id":"1"`)
	b.SetBytes(int64(len(item) - after))
	for b.Loop() {
		if _, err := skipDropped(item, after, 2); err != nil {
			b.Fatal(err)
		}
	}
}
