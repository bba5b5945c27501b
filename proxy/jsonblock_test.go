package proxy

import (
	"math/rand/v2"
	"testing"
)

// TestBlockMasks: the block masks (SSE2 and AVX2 on amd64, plain Go
// everywhere) agree with a byte-by-byte reading of random blocks rich in
// the bytes they look for and in their near misses. The bracket mask
// holds exactly the four brackets and the four bytes bracketKey confuses
// them with.
func TestBlockMasks(t *testing.T) {
	alphabet := []byte("\"\\{}[]|;ZzyY_ \x00\x7f\x80\xff{[")
	impls := blockMaskImpls()
	if impls == nil {
		impls = map[string]func([]byte) (uint64, uint64, uint64){}
	}
	t.Logf("checking %d assembly versions and the plain-Go one", len(impls))
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, blockSize)
	for range 20_000 {
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = byte(r.IntN(256))
			} else {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		var want [3]uint64
		for k, c := range b {
			for m, set := range []string{`"`, `\`, "{}[]yY_\x7f"} {
				for _, s := range []byte(set) {
					if c == s {
						want[m] |= 1 << k
					}
				}
			}
		}
		impls["generic"] = blockMasksGeneric
		for name, f := range impls {
			q, bs, br := f(b)
			if got := [3]uint64{q, bs, br}; got != want {
				t.Fatalf("%s(%q) = %x; want %x", name, b, got, want)
			}
		}
	}
}

func TestPrefixXor(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 10_000 {
		m := r.Uint64()
		var want uint64
		parity := uint64(0)
		for k := range 64 {
			parity ^= m >> k & 1
			want |= parity << k
		}
		if got := prefixXor(m); got != want {
			t.Fatalf("prefixXor(%x) = %x; want %x", m, got, want)
		}
	}
}
