package proxy

// blockSize is how many bytes the block masks cover: one bit of a uint64
// mask per byte.
const blockSize = 64

// structBlocks is how many blocks one call of blockStructsGeneric reads
// at most: a list item of a few hundred bytes is read in one call, and
// the call's fixed cost is shared by its blocks.
const structBlocks = 4

// blockStructsGeneric reads the structure of the whole 64-byte blocks of
// b, at most structBlocks of them, as blockStructGeneric does, stopping
// before the first block holding a backslash: out[j] gets block j's
// brackets. It returns how many blocks it read and carryOut after them
// (carry when it read none).
//
// This is the plain-Go reading; the assembly versions (blockStructsSSE2,
// blockStructsAVX2) must agree with it.
func blockStructsGeneric(b []byte, carry uint64, out *[structBlocks]uint64) (n int, carryOut uint64) {
	for n < structBlocks && len(b) >= (n+1)*blockSize {
		m, next, clean := blockStructGeneric(b[n*blockSize:], carry)
		if !clean {
			break
		}
		out[n], carry = m, next
		n++
	}
	return n, carry
}

// blockStructGeneric reads the structure of b[:64], which must hold at
// least 64 bytes, one bit per byte (bit k for b[k]). carry is all ones if
// b[0] lies inside a string, else zero. If the block holds no backslash,
// clean is true and brackets marks the brackets outside strings, with the
// few bytes bracketKey cannot tell from them, and carryOut says as carry
// does whether the byte after the block lies inside a string. A block
// holding a backslash, whose escapes change what its quotes mean, is not
// read: clean is false.
func blockStructGeneric(b []byte, carry uint64) (brackets, carryOut uint64, clean bool) {
	quote, backslash, marked := blockMasks(b)
	if backslash != 0 {
		return 0, 0, false
	}
	in := prefixXor(quote) ^ carry
	return marked &^ in, uint64(int64(in) >> 63), true
}

// blockMasks marks, one bit per byte of b[:64], the quotes, the
// backslashes, and the brackets with the few bytes bracketKey cannot tell
// from them, eight bytes at a time.
func blockMasks(b []byte) (quote, backslash, brackets uint64) {
	const ones = 0x0101010101010101
	_ = b[blockSize-1]
	for k := 0; k < blockSize; k += 8 {
		x := load8(b, k)
		quote |= uint64(gather(zeroBytes(x^'"'*ones))) << k
		backslash |= uint64(gather(zeroBytes(x^'\\'*ones))) << k
		brackets |= uint64(gather(zeroBytes(bracketKey(x)^0x79*ones))) << k
	}
	return quote, backslash, brackets
}

// bracketKey maps each byte of x so that the four brackets, and only
// 'y', 'Y', '_' and DEL besides, become 0x79: clearing bits 1 and 2 and
// setting bit 5 makes '{' (0x7b), '}' (0x7d), '[' (0x5b) and ']' (0x5d)
// alike. A reader of the mask looks at each marked byte again.
func bracketKey(x uint64) uint64 {
	const ones = 0x0101010101010101
	return x&^(0x06*ones) | 0x20*ones
}

// zeroBytes marks, with the high bit of each byte, the zero bytes of x:
// exactly, as adding 0x7f to a byte's low seven bits never carries out of
// the byte.
func zeroBytes(x uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	return ^((x&low7 + low7) | x | low7)
}

// gather packs the high bits of x's eight bytes into one byte, bit k
// from byte k: each lands in the top byte of the product, where no two
// partial products meet.
func gather(x uint64) uint8 {
	return uint8((x >> 7) * 0x0102040810204080 >> 56)
}

// prefixXor sets each bit of m to the parity of that bit and all below
// it: with m marking quotes, the bits of a string's opening quote and
// contents are set, those of its closing quote and what lies outside are
// not (Langdale and Lemire, "Parsing Gigabytes of JSON per Second", VLDB
// Journal 28, 2019, §3.1.1, https://arxiv.org/abs/1902.08318).
func prefixXor(m uint64) uint64 {
	for s := 1; s < 64; s <<= 1 {
		m ^= m << s
	}
	return m
}
