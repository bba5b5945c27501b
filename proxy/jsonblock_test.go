package proxy

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestBlockStruct: the block readers (SSE2 and AVX2 on amd64, plain Go
// everywhere) agree with a byte-by-byte reading of random blocks rich in
// the bytes they look for and in their near misses, starting inside and
// outside a string. Outside strings, the bracket mask holds exactly the
// four brackets and the four bytes bracketKey confuses them with; a block
// with a backslash is not read. blockStructBytes, which reads any block,
// must agree on the brackets of those without one.
func TestBlockStruct(t *testing.T) {
	alphabet := []byte("\"{}[]|;ZzyY_ \x00\x7f\x80\xff{[\"")
	impls := blockStructImpls()
	if impls == nil {
		impls = map[string]func([]byte, uint64) (uint64, uint64, bool){}
	}
	t.Logf("checking %d assembly versions and the plain-Go one", len(impls))
	impls["generic"] = blockStructGeneric
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, blockSize)
	cleanBlocks := 0
	for range 40_000 {
		for i := range b {
			switch {
			case r.IntN(200) == 0:
				b[i] = '\\'
			case r.IntN(3) == 0:
				b[i] = byte(r.IntN(256))
			default:
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		carry := uint64(0)
		if r.IntN(2) == 0 {
			carry = ^uint64(0)
		}
		var want, wantCarry uint64
		wantClean := !bytes.Contains(b, []byte{'\\'})
		if wantClean {
			cleanBlocks++
			in := carry != 0
			for k, c := range b {
				switch {
				case c == '"':
					in = !in
				case !in && bytes.IndexByte([]byte("{}[]yY_\x7f"), c) >= 0:
					want |= 1 << k
				}
			}
			if in {
				wantCarry = ^uint64(0)
			}
			brackets, next, escaped := blockStructBytes(b, carry, false)
			if brackets != want&bracketsOnly(b) || next != wantCarry || escaped {
				t.Fatalf("blockStructBytes(%q, %x) = %x, %x, %v; want %x, %x, false",
					b, carry, brackets, next, escaped, want&bracketsOnly(b), wantCarry)
			}
		}
		for name, f := range impls {
			m, next, clean := f(b, carry)
			if m != want || next != wantCarry || clean != wantClean {
				t.Fatalf("%s(%q, %x) = %x, %x, %v; want %x, %x, %v",
					name, b, carry, m, next, clean, want, wantCarry, wantClean)
			}
		}
	}
	if cleanBlocks < 10_000 || cleanBlocks > 39_000 {
		t.Fatalf("%d of 40,000 blocks without a backslash: the test reads too few of one kind", cleanBlocks)
	}
}

// bracketsOnly marks the four brackets of b.
func bracketsOnly(b []byte) (m uint64) {
	for k, c := range b {
		if c == '{' || c == '}' || c == '[' || c == ']' {
			m |= 1 << k
		}
	}
	return m
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
