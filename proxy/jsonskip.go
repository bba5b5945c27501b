package proxy

import "math/bits"

// skipDropped finds the end of an item the filter drops: b[i:] is inside
// the item's object, just after a member's value, at nesting depth, and
// the position after the object's closing brace is returned.
//
// Nothing of a dropped item is sent, so only its structure is read:
// strings end at their first unescaped quote, and the brackets outside
// them open and close in matching pairs, no deeper than maxDepth. That is
// how every JSON parser delimits a value, so the item ends where a client
// would have seen it end; what its strings hold and the grammar between
// its brackets are not checked. The items that are kept, and everything
// outside the list, are still read to the letter (item, skip), and the
// answer sent is valid JSON.
//
// The structure is read 64 bytes at a time, a few blocks per call
// (blockStructsGeneric, in assembly on amd64): the quotes give, by a
// running parity, which bytes lie inside strings, and only the brackets
// outside them are looked at one by one; the few other bytes the masks
// mark are passed over, as every byte between strings is. A block holding
// a backslash, whose escapes change what the quotes mean, is read a byte
// at a time (blockStructBytes), as are the last bytes.
func skipDropped(b []byte, i, depth int) (int, error) {
	var open [maxDepth/64 + 1]uint64 // one bit per level below the item: 1 for an array
	level := 0                       // levels open below the item
	carry := uint64(0)               // all ones while b[i] is inside a string
	escaped := false                 // b[i] is escaped by a backslash
	var masks [structBlocks]uint64   // per block, the brackets outside strings, and a few other bytes
	for i < len(b) {
		n := 0 // blocks read into masks
		if !escaped {
			if useAVX2 {
				n, carry = blockStructsAVX2(b[i:], carry, &masks)
			} else {
				n, carry = blockStructsSSE2(b[i:], carry, &masks)
			}
		}
		if n == 0 { // a block holding a backslash, or the last bytes
			n = 1
			masks[0], carry, escaped = blockStructBytes(b[i:min(i+blockSize, len(b))], carry, escaped)
		}
		for j := range n {
			for m := masks[j]; m != 0; m &= m - 1 {
				k := i + j*blockSize + bits.TrailingZeros64(m)
				switch c := b[k]; c {
				case '{', '[':
					if depth+level >= maxDepth {
						return 0, errDepth
					}
					w, bit := level>>6, uint64(1)<<(level&63)
					if c == '[' {
						open[w] |= bit
					} else {
						open[w] &^= bit
					}
					level++
				case '}', ']':
					if level == 0 {
						if c != '}' {
							return 0, errSyntax
						}
						return k + 1, nil
					}
					level--
					if isArray := open[level>>6]&(uint64(1)<<(level&63)) != 0; isArray != (c == ']') {
						return 0, errSyntax
					}
				}
			}
		}
		i += n * blockSize
	}
	return 0, errSyntax
}

// blockStructBytes is blockStructGeneric a byte at a time, for a block
// holding backslashes and for the last bytes: b holds at most 64 bytes,
// escaped says that b[0] is escaped by a backslash, and only the four
// brackets are marked.
func blockStructBytes(b []byte, carry uint64, escaped bool) (brackets, carryOut uint64, escapedOut bool) {
	inString := carry != 0
	for k, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString:
			if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[' || c == '}' || c == ']':
			brackets |= 1 << k
		}
	}
	if inString {
		carryOut = ^uint64(0)
	}
	return brackets, carryOut, escaped
}
