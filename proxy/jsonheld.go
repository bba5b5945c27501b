package proxy

import "math/bits"

// heldIDs is the set of ids a filtered list keeps, with a sketch in front
// of the map: most items of a long list are not held, and a clear bit of
// the sketch says so in a few instructions, where a map lookup hashes the
// id and probes. A set bit only means "ask the map".
type heldIDs struct {
	ids    map[string]struct{}
	sketch [sketchBits / 64]uint64
}

// sketchBits is the sketch's size: with 200 ids (the default max_items),
// about one id in twenty that is not held still asks the map.
const sketchBits = 4096

func (h *heldIDs) init(ids map[string]struct{}) {
	h.ids = ids
	for id := range ids {
		k := sketchBit(id)
		h.sketch[k>>6] |= 1 << (k & 63)
	}
}

// sketchBit picks an id's bit of the sketch from its length and its
// first and last eight bytes, mixed by a multiplication (Knuth's
// multiplicative hashing; the constant is 2^64 over the golden ratio).
func sketchBit[S string | []byte](id S) uint {
	n := len(id)
	var head, tail uint64
	if n >= 8 {
		head = uint64(id[0]) | uint64(id[1])<<8 | uint64(id[2])<<16 | uint64(id[3])<<24 |
			uint64(id[4])<<32 | uint64(id[5])<<40 | uint64(id[6])<<48 | uint64(id[7])<<56
		t := id[n-8:]
		tail = uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
	} else {
		for k := range n {
			head |= uint64(id[k]) << (8 * k)
		}
	}
	h := (head ^ bits.RotateLeft64(tail, 29) ^ uint64(n)) * 0x9e3779b97f4a7c15
	return uint(h >> (64 - 12)) // sketchBits is 1<<12
}

// has reports whether id is held.
func (h *heldIDs) has(id []byte) bool {
	k := sketchBit(id)
	if h.sketch[k>>6]&(1<<(k&63)) == 0 {
		return false
	}
	_, ok := h.ids[string(id)] // no allocation
	return ok
}

// hasString is has for an id that had to be decoded.
func (h *heldIDs) hasString(id string) bool {
	k := sketchBit(id)
	if h.sketch[k>>6]&(1<<(k&63)) == 0 {
		return false
	}
	_, ok := h.ids[id]
	return ok
}
