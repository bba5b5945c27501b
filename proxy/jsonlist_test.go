package proxy

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/scopegate/scopegate/internal/benchdata"
)

func heldSet(ids ...string) map[string]struct{} {
	m := map[string]struct{}{}
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}

func TestFilterList(t *testing.T) {
	held := heldSet("1", "3", "a/b", "é")
	tests := []struct {
		name, items, in, want string // want "" means refused
	}{
		{"object list", "photos", `{"photos":[{"id":"1","t":"a"},{"id":"2"},{"id":"3"}],"next":null}`, `{"photos":[{"id":"1","t":"a"},{"id":"3"}],"next":null}`},
		{"top-level array", "", ` [ {"id":"2"} , {"id":"3"} ] `, `[{"id":"3"}]`},
		{"numeric ids by literal", "", `[{"id":1},{"id":2},{"id":3.0},{"id":-3}]`, `[{"id":1}]`},
		{"escaped id", "", `[{"id":"a\/b"},{"id":"\u00e9"},{"id":"\u0031x"}]`, `[{"id":"a\/b"},{"id":"\u00e9"}]`},
		{"escaped member names", "photos", `{"ph\u006ftos":[{"\u0069d":"1"},{"id":"2"}]}`, `{"ph\u006ftos":[{"\u0069d":"1"}]}`},
		{"items without id dropped", "", `[{"name":"1"},"1",1,null,[{"id":"1"}],{"id":null},{"id":{"x":"1"}}]`, `[]`},
		{"duplicate id dropped", "", `[{"id":"2","id":"1"},{"id":"1","id":"1"}]`, `[]`},
		{"nested id ignored", "", `[{"meta":{"id":"1"},"id":"2"}]`, `[]`},
		{"empty list", "photos", `{"photos":[]}`, `{"photos":[]}`},
		{"list member twice", "photos", `{"photos":[],"photos":[{"id":"2"}]}`, ""},
		{"list member escaped twice", "photos", `{"photos":[],"pho\u0074os":[{"id":"2"}]}`, ""},
		{"no list member", "photos", `{"items":[{"id":"2"}]}`, ""},
		{"list not an array", "photos", `{"photos":{"id":"2"}}`, ""},
		{"list null", "photos", `{"photos":null}`, ""},
		{"array where object expected", "photos", `[{"id":"1"}]`, ""},
		{"object where array expected", "", `{"id":"1"}`, ""},
		{"trailing data", "", `[{"id":"1"}] [{"id":"2"}]`, ""},
		{"truncated", "", `[{"id":"1"},{"id":"2"`, ""},
		{"bad string", "", `[{"id":"1\x"}]`, ""},
		{"control char", "", "[{\"id\":\"1\n\"}]", ""},
		{"invalid utf-8", "", "[{\"id\":\"\xff\"}]", ""},
		{"bad number", "", `[{"id":01}]`, ""},
		{"id not ended", "", `[{"id":"2"x}]`, ""},
		// A dropped item is read for its structure only: none of it is
		// sent. A kept one is read to the letter.
		{"broken literal in a dropped item", "", `[{"id":"2","x":tru},{"id":"1"}]`, `[{"id":"1"}]`},
		{"bad escape in a dropped item", "", `[{"id":"2","x":"\q"},{"id":"1"}]`, `[{"id":"1"}]`},
		{"broken literal in a kept item", "", `[{"id":"1","x":tru}]`, ""},
		{"brackets in a dropped item's strings", "", `[{"id":"2","x":"}]\"}]","y":["]"]},{"id":"1"}]`, `[{"id":"1"}]`},
		{"mismatched brackets in a dropped item", "", `[{"id":"2","x":[}],{"id":"1"}]`, ""},
		{"unterminated string in a dropped item", "", `[{"id":"2","x":"},{"id":"1"}]`, ""},
		{"trailing comma", "", `[{"id":"1"},]`, ""},
		{"bom", "", "\xef\xbb\xbf[]", ""},
		{"deep", "", "[" + strings.Repeat("[", 600) + strings.Repeat("]", 600) + "]", ""},
		{"empty", "", ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := filterList(nil, []byte(tt.in), tt.items, "id", held)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("filterList = %s; want refusal", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("filterList: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("filterList = %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("output is not valid JSON")
			}
		})
	}
}

// FuzzFilterList: whatever the upstream sends, an accepted answer gives
// valid JSON whose items are objects with a held id. For a valid answer
// the result also has the same members outside the list, and its list is
// exactly the input's items with one held id, byte for byte and in order
// (read with encoding/json, heldItems). An invalid answer may be accepted
// only where the breakage lies inside dropped items, which are read for
// their structure only: nothing of them is sent.
func FuzzFilterList(f *testing.F) {
	for _, s := range []string{
		`{"photos":[{"id":"1","t":"a"},{"id":"2"},{"id":3}],"next":null}`,
		`[{"id":"1"},{"id":"2"}]`, `{"photos":[]}`, `{"ph\u006ftos":[{"\u0069d":"1"}]}`,
		`[{"id":"1","id":"1"}]`, `{"photos":[{"id":"a\/b"}],"x":{"photos":[1]}}`, `[1,"1",null,true,{"id":[1]}]`,
		`[{"id":"2","x":tru},{"id":"1"}]`, `[{"id":"2","x":"}]\"}]","y":["]",{"z":"` + strings.Repeat("{", 70) + `"}]},{"id":"3"}]`,
	} {
		f.Add([]byte(s), s[0] == '{')
	}
	held := heldSet("1", "3", "a/b")
	f.Fuzz(func(t *testing.T, in []byte, object bool) {
		items := ""
		if object {
			items = "photos"
		}
		out, err := filterList(nil, in, items, "id", held)
		valid := json.Valid(in)
		if valid {
			// Valid JSON may still be refused: invalid UTF-8 in a string
			// or nesting past maxDepth, which encoding/json allows.
			want, ok := heldItems(in, items, held)
			if err == nil && !ok {
				t.Fatalf("accepted %q, which has no single list member", in)
			}
			if err == nil {
				got, _ := heldItems(out, items, held)
				if len(got) != len(want) {
					t.Fatalf("kept %d items of %q; want %d", len(got), in, len(want))
				}
				for k := range got {
					if !bytes.Equal(got[k], want[k]) {
						t.Fatalf("item %d kept as %s; want %s", k, got[k], want[k])
					}
				}
			}
		}
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("output %q of %q is not valid JSON", out, in)
		}
		if !valid {
			outList, _ := decodeList(t, out, items)
			for _, item := range outList {
				if obj, ok := item.(map[string]any); !ok || !heldID(obj["id"], held) {
					t.Fatalf("from invalid %q, kept %v", in, item)
				}
			}
			return
		}
		inList, inRest := decodeList(t, in, items)
		outList, outRest := decodeList(t, out, items)
		if !reflect.DeepEqual(inRest, outRest) {
			t.Fatalf("members outside the list changed: %v -> %v", inRest, outRest)
		}
		if len(outList) > len(inList) {
			t.Fatalf("more items out than in")
		}
		for _, item := range outList {
			obj, ok := item.(map[string]any)
			if !ok {
				t.Fatalf("kept a non-object %v", item)
			}
			var id string
			switch v := obj["id"].(type) {
			case string:
				id = v
			case json.Number:
				id = v.String()
			default:
				t.Fatalf("kept an item without a usable id: %v", obj)
			}
			if _, ok := held[id]; !ok {
				t.Fatalf("kept unpicked item %q from %q", id, in)
			}
			if !slicesContainsDeep(inList, item) {
				t.Fatalf("kept an item that was not in the input: %v", item)
			}
		}
	})
}

// heldID reports whether a decoded id is held: a string by its value, a
// number by its literal.
func heldID(v any, held map[string]struct{}) bool {
	var id string
	switch v := v.(type) {
	case string:
		id = v
	case json.Number:
		id = v.String()
	default:
		return false
	}
	_, ok := held[id]
	return ok
}

// heldItems reads valid JSON b with encoding/json's tokenizer and returns
// the raw items of its list whose id member appears once and is held, as
// filterList should keep them; ok is false when b has no single list
// member (for items "") or is not an array (for items "").
func heldItems(b []byte, items string, held map[string]struct{}) (kept [][]byte, ok bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if items == "" {
		if tk, err := d.Token(); err != nil || tk != json.Delim('[') {
			return nil, false
		}
	} else {
		if tk, err := d.Token(); err != nil || tk != json.Delim('{') {
			return nil, false
		}
		found := false
		for d.More() {
			key, _ := d.Token()
			var raw json.RawMessage
			if key == items {
				if found {
					return nil, false
				}
				found = true
				if tk, err := d.Token(); err != nil || tk != json.Delim('[') {
					return nil, false
				}
				kept = listItems(d, held)
				d.Token() // ']'
				continue
			}
			if d.Decode(&raw) != nil {
				return nil, false
			}
		}
		return kept, found
	}
	return listItems(d, held), true
}

// listItems reads the items of a list from d, which is inside it.
func listItems(d *json.Decoder, held map[string]struct{}) [][]byte {
	var kept [][]byte
	for d.More() {
		var raw json.RawMessage
		if d.Decode(&raw) != nil {
			return kept
		}
		item := json.NewDecoder(bytes.NewReader(raw))
		item.UseNumber()
		if tk, _ := item.Token(); tk != json.Delim('{') {
			continue
		}
		ids, keep := 0, false
		for item.More() {
			key, _ := item.Token()
			var v any
			if item.Decode(&v) != nil {
				break
			}
			if key == "id" {
				ids++
				keep = heldID(v, held)
			}
		}
		if ids == 1 && keep {
			kept = append(kept, raw)
		}
	}
	return kept
}

func decodeList(t *testing.T, b []byte, items string) ([]any, any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	if items == "" {
		l, _ := v.([]any)
		return l, nil
	}
	m, _ := v.(map[string]any)
	l, _ := m[items].([]any)
	delete(m, items)
	return l, m
}

func slicesContainsDeep(l []any, v any) bool {
	for _, e := range l {
		if reflect.DeepEqual(e, v) {
			return true
		}
	}
	return false
}

// BenchmarkFilterList filters the list of the gateway benchmarks and of
// bench -picked: 1,000 items, about 230 KB, 200 of them held.
func BenchmarkFilterList(b *testing.B) {
	in := benchdata.PhotoList()
	held := heldSet()
	for i := 0; i < 1000; i += 5 {
		held[strconv.Itoa(i)] = struct{}{}
	}
	dst := make([]byte, 0, len(in))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	out, err := filterList(dst, in, "photos", "id", held)
	if err != nil || bytes.Count(out, []byte(`"id"`)) != 200 {
		b.Fatalf("filterList kept %d items, err %v; want 200", bytes.Count(out, []byte(`"id"`)), err)
	}
	for b.Loop() {
		if _, err := filterList(dst[:0], in, "photos", "id", held); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSpecial8 checks the eight-bytes-at-a-time search against the byte
// table: every byte value in every lane among plain bytes, random words,
// and nextSpecial over random strings.
func TestSpecial8(t *testing.T) {
	first := func(b []byte) int {
		for i, c := range b {
			if !plainByte[c] {
				return i
			}
		}
		return len(b)
	}
	check := func(w [8]byte) {
		m := special8(binary.LittleEndian.Uint64(w[:]))
		got := 8
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if want := first(w[:]); got != want {
			t.Fatalf("special8(%q) marks byte %d first; want %d", w[:], got, want)
		}
	}
	for lane := range 8 {
		for c := range 256 {
			for _, fill := range []byte{'a', ' ', '~', '!', '#', '[', ']', 0x7f} {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[lane] = byte(c)
				check(w)
				if lane < 7 { // a second special byte above the first
					w[7] = '"'
					check(w)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 40)
	for range 300_000 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], r.Uint64())
		check(w)
		for i := range buf { // mostly plain, as in real lists
			buf[i] = byte(0x20 + r.IntN(0x60))
			if r.IntN(16) == 0 {
				buf[i] = byte(r.Uint32())
			}
		}
		copy(w[:], buf)
		check(w)
		from := r.IntN(len(buf))
		if got, want := nextSpecial(buf, from), from+first(buf[from:]); got != want {
			t.Fatalf("nextSpecial(%q, %d) = %d; want %d", buf, from, got, want)
		}
	}
}

// TestStrEveryPosition puts each kind of byte the string scanner treats
// specially at every position of strings 0 to 24 bytes long, around the
// eight-byte steps, and checks the verdict against encoding/json (which
// does not check UTF-8, so utf8.Valid is asked too).
func TestStrEveryPosition(t *testing.T) {
	specials := []string{`"`, `\"`, `\\`, `\u00e9`, `\u12`, `\x`, "\x01", "\t", "\x7f", "é", "\xff", "\xe2\x82", "€", `\`}
	for n := range 25 {
		for pos := 0; pos <= n; pos++ {
			for _, sp := range specials {
				s := strings.Repeat("a", pos) + sp + strings.Repeat("b", n-pos)
				for _, doc := range []string{`["` + s + `"]`, `[{"id":"1","t":"` + s + `"}]`, `[{"id":"` + s + `"}]`} {
					_, err := filterList(nil, []byte(doc), "", "id", heldSet("1"))
					want := json.Valid([]byte(doc)) && utf8.ValidString(doc)
					if (err == nil) != want {
						t.Errorf("filterList(%q): err %v; want valid=%v", doc, err, want)
					}
				}
			}
		}
	}
}

// TestFilterListDepth: values nested maxDepth deep are read, one level
// more is refused, whatever the value.
func TestFilterListDepth(t *testing.T) {
	// The list is at depth 1, an item at 2, its members' values at 3.
	for v, inner := range map[string]int{`"x"`: 0, `1`: 0, `true`: 0, `{}`: 0, `[]`: 0, `{"a":"x"}`: 1, `["x"]`: 1, `{"a":1}`: 1} {
		for extra := maxDepth - 5; extra <= maxDepth-2; extra++ {
			doc := `[{"id":"1","n":` + strings.Repeat(`{"a":`, extra) + v + strings.Repeat(`}`, extra) + `}]`
			_, err := filterList(nil, []byte(doc), "", "id", heldSet("1"))
			if want := 3+extra+inner <= maxDepth; (err == nil) != want || err != nil && err != errDepth {
				t.Errorf("%s nested %d more: err %v; want accepted=%v", v, extra, err, want)
			}
		}
	}
}
