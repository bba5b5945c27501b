package proxy

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestBlockStruct: the block readers (SSE2 and AVX2 on amd64, plain Go
// everywhere) agree with a byte-by-byte reading of random runs of blocks
// rich in the bytes they look for and in their near misses, starting
// inside and outside a string. Outside strings, the bracket mask holds
// exactly the four brackets and the four bytes bracketKey confuses them
// with; reading stops before a block with a backslash, after structBlocks
// blocks, and at the last whole block. blockStructBytes, which reads any
// block, must agree on the brackets of those without a backslash.
func TestBlockStruct(t *testing.T) {
	alphabet := []byte("\"{}[]|;ZzyY_ \x00\x7f\x80\xff{[\"")
	impls := blockStructImpls()
	if impls == nil {
		impls = map[string]func([]byte, uint64, *[structBlocks]uint64) (int, uint64){}
	}
	t.Logf("checking %d assembly versions and the plain-Go one", len(impls))
	impls["generic"] = blockStructsGeneric
	r := rand.New(rand.NewPCG(3, 4))
	var stops [structBlocks + 1]int // runs by blocks read
	for range 20_000 {
		b := make([]byte, r.IntN(structBlocks+2)*blockSize+r.IntN(blockSize))
		for i := range b {
			switch {
			case r.IntN(400) == 0:
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
		var want [structBlocks]uint64
		wantN, wantCarry := 0, carry
		for ; wantN < structBlocks && len(b) >= (wantN+1)*blockSize; wantN++ {
			block := b[wantN*blockSize : (wantN+1)*blockSize]
			if bytes.IndexByte(block, '\\') >= 0 {
				break
			}
			in := wantCarry != 0
			for k, c := range block {
				switch {
				case c == '"':
					in = !in
				case !in && bytes.IndexByte([]byte("{}[]yY_\x7f"), c) >= 0:
					want[wantN] |= 1 << k
				}
			}
			brackets, next, escaped := blockStructBytes(block, wantCarry, false)
			wantCarry = 0
			if in {
				wantCarry = ^uint64(0)
			}
			if brackets != want[wantN]&bracketsOnly(block) || next != wantCarry || escaped {
				t.Fatalf("blockStructBytes(%q) = %x, %x, %v; want %x, %x, false",
					block, brackets, next, escaped, want[wantN]&bracketsOnly(block), wantCarry)
			}
		}
		stops[wantN]++
		for name, f := range impls {
			var got [structBlocks]uint64
			n, next := f(b, carry, &got)
			if n != wantN || next != wantCarry || got != want {
				t.Fatalf("%s(%q, %x) = %d, %x, %x; want %d, %x, %x",
					name, b, carry, n, next, got, wantN, wantCarry, want)
			}
		}
	}
	for n, runs := range stops {
		if runs < 500 {
			t.Fatalf("only %d of 20,000 runs read %d blocks: the test reads too few of one kind", runs, n)
		}
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
