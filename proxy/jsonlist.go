package proxy

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
	"unicode/utf8"
)

// filterList copies the JSON document src to dst, keeping in its list only
// the items whose id is held. items names the member of the top-level
// object holding the array; "" means the document is the array. idField
// names each item's id member: a string is compared decoded, a number by
// its literal text (as the consent page records it). An item that is not
// an object, lacks the id, or has it twice or of another type is dropped.
//
// Everything that is sent is validated in the same pass, and anything a
// client could read differently from us is refused: a missing list, the
// list member twice, trailing data, nesting deeper than maxDepth.
// Everything outside the list is copied byte for byte. A dropped item is
// read to the letter up to its id, and for its structure only after that
// (skipDropped): none of it is sent, and most of a long list is dropped.
//
// The scanning functions below take the document and a position and
// return the position after what they read, so that the position stays in
// a register: a 1,000-item list is some 50,000 small tokens.
func filterList(dst, src []byte, items, idField string, heldSet map[string]struct{}) ([]byte, error) {
	var ids heldIDs
	ids.init(heldSet)
	held := &ids
	b := src
	i, c := tok(b, 0)
	var err error
	if items == "" {
		if c != '[' {
			return nil, errors.New("the answer is not a JSON array")
		}
		if dst, i, err = filterArray(dst, b, i, idField, held); err != nil {
			return nil, err
		}
		if i, _ = tok(b, i); i != len(b) {
			return nil, errTrailing
		}
		return dst, nil
	}
	if c != '{' {
		return nil, errors.New("the answer is not a JSON object")
	}
	found := false
	mark := 0 // b[mark:] is not yet copied
	if i, c = tok(b, i+1); c == '}' {
		i++
	} else {
		for {
			if c != '"' {
				return nil, errSyntax
			}
			start := i
			var esc bool
			if i, esc = str(b, i); i < 0 {
				return nil, errSyntax
			}
			key := b[start+1 : i-1]
			if i, c = tok(b, i); c != ':' {
				return nil, errSyntax
			}
			i, c = tok(b, i+1)
			if keyIs(key, esc, items) {
				if found {
					return nil, errors.New("the list member appears twice")
				}
				found = true
				if c != '[' {
					return nil, errors.New("the list member is not an array")
				}
				dst = append(dst, b[mark:i]...)
				if dst, i, err = filterArray(dst, b, i, idField, held); err != nil {
					return nil, err
				}
				mark = i
			} else if i, err = skip(b, i, c, 1); err != nil {
				return nil, err
			}
			if i, c = tok(b, i); c == '}' {
				i++
				break
			}
			if c != ',' {
				return nil, errSyntax
			}
			i, c = tok(b, i+1)
		}
	}
	if i, _ = tok(b, i); i != len(b) {
		return nil, errTrailing
	}
	if !found {
		return nil, errors.New("the answer has no list member")
	}
	return append(dst, b[mark:]...), nil
}

var (
	errSyntax   = errors.New("the answer is not valid JSON")
	errTrailing = errors.New("the answer has data after the JSON value")
	errDepth    = errors.New("the answer nests too deeply")
)

// maxDepth bounds nesting, so a hostile answer cannot exhaust the stack.
const maxDepth = 512

// at returns b[i], or 0 past the end.
func at(b []byte, i int) byte {
	if uint(i) < uint(len(b)) {
		return b[i]
	}
	return 0
}

// tok returns the position of the first byte at or after i that is not
// whitespace, and that byte (0 past the end). It is small enough to be
// inlined, which matters: it runs before every token.
func tok(b []byte, i int) (int, byte) {
	for i < len(b) {
		c := b[i]
		if c > ' ' || c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return i, c
		}
		i++
	}
	return i, 0
}

// filterArray reads the array at b[i] and appends "[" kept items "]".
func filterArray(dst, b []byte, i int, idField string, held *heldIDs) ([]byte, int, error) {
	dst = append(dst, '[')
	i, c := tok(b, i+1)
	if c == ']' {
		return append(dst, ']'), i + 1, nil
	}
	first := true
	for {
		start := i
		var keep bool
		var err error
		if c == '{' {
			if i, keep, err = item(b, i, idField, held); err != nil {
				return nil, 0, err
			}
		} else if i, err = skip(b, i, c, 2); err != nil {
			return nil, 0, err
		}
		if keep {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, b[start:i]...)
		}
		if i, c = tok(b, i); c == ']' {
			return append(dst, ']'), i + 1, nil
		}
		if c != ',' {
			return nil, 0, errSyntax
		}
		i, c = tok(b, i+1)
	}
}

// item reads the object at b[i], an item of the list, and returns the
// position after it and whether it is kept: whether its id member is held.
// The id is a string, compared decoded, or a number, compared by its
// literal text. An item without the id, with it twice or of another type
// is not kept. Once an item is known to be dropped, the rest of it is only
// read for its structure (dropRest), which is most of a long list.
func item(b []byte, i int, idField string, held *heldIDs) (end int, keep bool, err error) {
	i, c := tok(b, i+1) // after '{'
	if c == '}' {
		return i + 1, false, nil
	}
	seen := false
	for {
		if c != '"' {
			return 0, false, errSyntax
		}
		start := i
		var esc bool
		if i, esc = str(b, i); i < 0 {
			return 0, false, errSyntax
		}
		// Most member names are not the id: compare lengths first.
		isID := false
		if esc {
			isID = unquote(b[start+1:i-1], true) == idField
		} else if i-start-2 == len(idField) {
			isID = string(b[start+1:i-1]) == idField
		}
		if i, c = tok(b, i); c != ':' {
			return 0, false, errSyntax
		}
		i, c = tok(b, i+1)
		if !isID {
			if i, err = skip(b, i, c, 3); err != nil {
				return 0, false, err
			}
		} else {
			if seen { // the id twice: dropped
				if i, err = skip(b, i, c, 3); err != nil {
					return 0, false, err
				}
				i, err = dropRest(b, i)
				return i, false, err
			}
			seen = true
			start := i
			switch {
			case c == '"':
				if i, esc = str(b, i); i < 0 {
					return 0, false, errSyntax
				}
				if esc {
					keep = held.hasString(unquote(b[start+1:i-1], true))
				} else {
					keep = held.has(b[start+1 : i-1])
				}
			case c == '-' || '0' <= c && c <= '9':
				if i, err = number(b, i); err != nil {
					return 0, false, err
				}
				keep = held.has(b[start:i])
			default:
				if i, err = skip(b, i, c, 3); err != nil {
					return 0, false, err
				}
			}
			if !keep {
				i, err = dropRest(b, i)
				return i, false, err
			}
		}
		if i, c = tok(b, i); c == '}' {
			return i + 1, keep, nil
		}
		if c != ',' {
			return 0, false, errSyntax
		}
		i, c = tok(b, i+1)
	}
}

// dropRest skips the rest of a dropped item from just after its id's
// value, which must end there: the id is read to the letter, the rest by
// its structure only (skipDropped). Items are at nesting depth 2.
func dropRest(b []byte, i int) (int, error) {
	if _, c := tok(b, i); c != ',' && c != '}' {
		return 0, errSyntax
	}
	return skipDropped(b, i, 2)
}

// keyIs compares a member name, raw as read, with want.
func keyIs(raw []byte, esc bool, want string) bool {
	if !esc {
		return string(raw) == want
	}
	return unquote(raw, true) == want
}

// unquote decodes a string's contents; raw is between the quotes and was
// validated by str.
func unquote(raw []byte, escaped bool) string {
	if !escaped {
		return string(raw)
	}
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	var v string
	_ = json.Unmarshal(q, &v)
	return v
}

// str reads the string whose opening quote is at b[i] and returns the
// position after its closing quote, or -1 if the string is invalid, and
// whether it holds escapes; its raw contents are b[i+1 : end-1]. Invalid
// UTF-8 is refused: decoders differ on it.
//
// One pass: eight plain ASCII bytes at a time, then the next quote,
// escape, control byte or non-ASCII byte is dealt with. A list's strings
// are mostly short ASCII (member names, ids, titles).
func str(b []byte, i int) (end int, escaped bool) {
	i++ // '"'
	// Most strings are short and plain: their closing quote is the first
	// special byte among the next eight.
	if i+8 <= len(b) {
		x := load8(b, i)
		m := special8(x)
		if m == 0 {
			i += 8
		} else if k := bits.TrailingZeros64(m); byte(x>>(k&^7)) == '"' {
			return i + k>>3 + 1, false
		} else {
			i += k >> 3
		}
	}
	for {
		i = nextSpecial(b, i)
		if i >= len(b) {
			return -1, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return -1, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return -1, false
				}
				i += 6
			default:
				return -1, false
			}
		case c < 0x20: // a control character
			return -1, false
		default: // the first byte of a multi-byte sequence
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return -1, false
			}
			i += size
		}
	}
}

// load8 reads b[i:i+8] as a little-endian word; the caller has checked
// that i+8 <= len(b). Slicing with a capacity of eight leaves one bounds
// check.
func load8(b []byte, i int) uint64 {
	return binary.LittleEndian.Uint64(b[i : i+8 : i+8])
}

// nextSpecial returns the index of the first byte at or after i that is
// not plain inside a string, or len(b).
func nextSpecial(b []byte, i int) int {
	for i+8 <= len(b) {
		if m := special8(load8(b, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(b) && plainByte[b[i]] {
		i++
	}
	return i
}

// special8 marks, with the high bit of each byte, the bytes of x (eight
// bytes, little endian) that are not plain inside a string: a quote, a
// backslash, a control byte (below 0x20) or a non-ASCII byte. A byte below
// n is one whose subtraction of n borrows (Sean Eron Anderson, Bit
// Twiddling Hacks, "Determine if a word has a byte less than n",
// https://graphics.stanford.edu/~seander/bithacks.html#HasLessInWord),
// and a quote or backslash is one that is zero after XOR with it. Any
// other high bit left by a subtraction belongs to a non-ASCII byte, which
// is marked anyway. A borrow only runs towards higher bytes, so the lowest
// mark is exact even where higher ones are not: callers only use the
// lowest.
func special8(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ ('"' * ones)
	bs := x ^ ('\\' * ones)
	return (x | (x - 0x20*ones) | (q - ones) | (bs - ones)) & highs
}

// plainByte marks the ASCII bytes that stand for themselves inside a
// string; non-ASCII bytes are checked as UTF-8.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// number reads an RFC 8259 §6 number at b[i] and returns the position
// after it.
func number(b []byte, i int) (int, error) {
	if at(b, i) == '-' {
		i++
	}
	switch c := at(b, i); {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i = digits(b, i)
	default:
		return 0, errSyntax
	}
	if at(b, i) == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return 0, errSyntax
		}
		i = j
	}
	if c := at(b, i); c == 'e' || c == 'E' {
		i++
		if c := at(b, i); c == '+' || c == '-' {
			i++
		}
		j := digits(b, i)
		if j == i {
			return 0, errSyntax
		}
		i = j
	}
	return i, nil
}

// digits returns the position after the decimal digits at b[i:].
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// skip validates the value at b[i], whose first byte is c, at nesting
// depth, and returns the position after it.
func skip(b []byte, i int, c byte, depth int) (int, error) {
	if depth > maxDepth {
		return 0, errDepth
	}
	var err error
	switch {
	case c == '"':
		if i, _ = str(b, i); i < 0 {
			return 0, errSyntax
		}
		return i, nil
	case c == '-' || '0' <= c && c <= '9':
		return number(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '[':
		if i, c = tok(b, i+1); c == ']' {
			return i + 1, nil
		}
		for {
			if i, err = skip(b, i, c, depth+1); err != nil {
				return 0, err
			}
			if i, c = tok(b, i); c == ']' {
				return i + 1, nil
			}
			if c != ',' {
				return 0, errSyntax
			}
			i, c = tok(b, i+1)
		}
	case c == '{':
		if i, c = tok(b, i+1); c == '}' {
			return i + 1, nil
		}
		return members(b, i, c, depth)
	}
	return 0, errSyntax
}

// members validates the members of an object from the first one's
// name at b[i] (c is b[i]) and returns the position after the closing
// brace. The object is at nesting depth.
func members(b []byte, i int, c byte, depth int) (int, error) {
	var err error
	for {
		if c != '"' {
			return 0, errSyntax
		}
		if i, _ = str(b, i); i < 0 {
			return 0, errSyntax
		}
		if i, c = tok(b, i); c != ':' {
			return 0, errSyntax
		}
		i, c = tok(b, i+1)
		// Strings and numbers, most values, are read here rather than
		// through skip; the depth limit holds for them as it does there.
		switch {
		case depth >= maxDepth:
			return 0, errDepth
		case c == '"':
			if i, _ = str(b, i); i < 0 {
				return 0, errSyntax
			}
		case '0' <= c && c <= '9':
			if i, err = number(b, i); err != nil {
				return 0, err
			}
		default:
			if i, err = skip(b, i, c, depth+1); err != nil {
				return 0, err
			}
		}
		if i, c = tok(b, i); c == '}' {
			return i + 1, nil
		}
		if c != ',' {
			return 0, errSyntax
		}
		i, c = tok(b, i+1)
	}
}

func literal(b []byte, i int, word string) (int, error) {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return 0, errSyntax
	}
	return i + len(word), nil
}
