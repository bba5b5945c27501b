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
// The structure is read 64 bytes at a time (blockMasksGeneric, in assembly on amd64): the quotes
// give, by a running parity (prefixXor), which bytes lie inside strings,
// and only the brackets outside them are looked at one by one. A block
// holding a backslash, whose escapes change what the quotes mean, is read
// a byte at a time, as are the last bytes.
func skipDropped(b []byte, i, depth int) (int, error) {
	var open [maxDepth/64 + 1]uint64 // one bit per level below the item: 1 for an array
	level := 0                       // levels open below the item
	inString := false                // b[i] is inside a string
	escaped := false                 // b[i] is escaped by a backslash
	for i < len(b) {
		if i+blockSize <= len(b) && !escaped {
			var quote, backslash, brackets uint64
			if useAVX2 {
				quote, backslash, brackets = blockMasksAVX2(b[i : i+blockSize])
			} else {
				quote, backslash, brackets = blockMasksSSE2(b[i : i+blockSize])
			}
			if backslash == 0 {
				in := prefixXor(quote)
				if inString {
					in = ^in
				}
				for m := brackets &^ in; m != 0; m &= m - 1 {
					k := i + bits.TrailingZeros64(m)
					end, err := bracket(b[k], &open, &level, depth)
					if err != nil {
						return 0, err
					}
					if end {
						return k + 1, nil
					}
				}
				inString = in>>63 != 0
				i += blockSize
				continue
			}
		}
		for end := min(i+blockSize, len(b)); i < end; i++ {
			switch c := b[i]; {
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
				end, err := bracket(c, &open, &level, depth)
				if err != nil {
					return 0, err
				}
				if end {
					return i + 1, nil
				}
			}
		}
	}
	return 0, errSyntax
}

// bracket applies c, a byte outside strings that the block masks marked, to
// the levels open below a dropped item at nesting depth, and reports
// whether c closed the item itself. A marked byte that is no bracket is
// passed over, as every byte between strings is.
func bracket(c byte, open *[maxDepth/64 + 1]uint64, level *int, depth int) (end bool, err error) {
	l := *level
	switch c {
	case '{', '[', '}', ']':
	default:
		return false, nil
	}
	if c == '{' || c == '[' {
		if depth+l >= maxDepth {
			return false, errDepth
		}
		w, bit := l>>6, uint64(1)<<(l&63)
		if c == '[' {
			open[w] |= bit
		} else {
			open[w] &^= bit
		}
		*level = l + 1
		return false, nil
	}
	if l == 0 {
		if c != '}' {
			return false, errSyntax
		}
		return true, nil
	}
	l--
	if isArray := open[l>>6]&(uint64(1)<<(l&63)) != 0; isArray != (c == ']') {
		return false, errSyntax
	}
	*level = l
	return false, nil
}
