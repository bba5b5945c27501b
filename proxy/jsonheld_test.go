package proxy

import (
	"fmt"
	"testing"
)

// TestHeldIDs: the sketch never hides a held id (of any length, as bytes
// or as a decoded string), and most ids that are not held never reach
// the map.
func TestHeldIDs(t *testing.T) {
	ids := map[string]struct{}{"": {}, "é": {}}
	for i := range 200 {
		ids[fmt.Sprint(i*5)] = struct{}{}
		ids[fmt.Sprintf("photo-%08d-%x", i, i*7919)] = struct{}{}
	}
	var h heldIDs
	h.init(ids)
	for id := range ids {
		if !h.has([]byte(id)) || !h.hasString(id) {
			t.Fatalf("held id %q not found", id)
		}
	}
	passed := 0
	for i := range 10_000 {
		id := fmt.Sprintf("other-%d", i)
		if h.has([]byte(id)) {
			t.Fatalf("id %q found but not held", id)
		}
		k := sketchBit(id)
		if h.sketch[k>>6]&(1<<(k&63)) != 0 {
			passed++
		}
	}
	if passed > 2000 {
		t.Errorf("%d of 10,000 ids that are not held passed the sketch; want few (%d bits set of %d)", passed, len(ids), sketchBits)
	}
}
