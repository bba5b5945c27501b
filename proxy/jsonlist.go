package proxy

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// filterList copies the JSON document src to dst, keeping in its list only
// the items whose id is held. items names the member of the top-level
// object holding the array; "" means the document is the array. idField
// names each item's id member: a string is compared decoded, a number by
// its literal text (as the consent page records it). An item that is not
// an object, lacks the id, or has it twice or of another type is dropped.
//
// The whole document is validated in the same pass, and anything a client
// could read differently from us is refused: a missing list, the list
// member twice, trailing data, nesting deeper than maxDepth. Everything
// outside the list is copied byte for byte.
func filterList(dst, src []byte, items, idField string, held map[string]struct{}) ([]byte, error) {
	s := scanner{b: src}
	s.ws()
	if items == "" {
		if s.peek() != '[' {
			return nil, errors.New("the answer is not a JSON array")
		}
		var err error
		if dst, err = s.filterArray(dst, idField, held); err != nil {
			return nil, err
		}
		s.ws()
		if s.i != len(src) {
			return nil, errTrailing
		}
		return dst, nil
	}
	if s.peek() != '{' {
		return nil, errors.New("the answer is not a JSON object")
	}
	s.i++
	found := false
	mark := 0 // src[mark:] is not yet copied
	s.ws()
	if s.peek() == '}' {
		s.i++
	} else {
		for {
			s.ws()
			key, esc, err := s.key()
			if err != nil {
				return nil, err
			}
			s.ws()
			if s.peek() != ':' {
				return nil, errSyntax
			}
			s.i++
			s.ws()
			if keyIs(key, esc, items) {
				if found {
					return nil, errors.New("the list member appears twice")
				}
				found = true
				if s.peek() != '[' {
					return nil, errors.New("the list member is not an array")
				}
				dst = append(dst, src[mark:s.i]...)
				if dst, err = s.filterArray(dst, idField, held); err != nil {
					return nil, err
				}
				mark = s.i
			} else if err := s.skip(1); err != nil {
				return nil, err
			}
			s.ws()
			c := s.peek()
			s.i++
			if c == '}' {
				break
			}
			if c != ',' {
				return nil, errSyntax
			}
		}
	}
	s.ws()
	if s.i != len(src) {
		return nil, errTrailing
	}
	if !found {
		return nil, errors.New("the answer has no list member")
	}
	return append(dst, src[mark:]...), nil
}

var (
	errSyntax   = errors.New("the answer is not valid JSON")
	errTrailing = errors.New("the answer has data after the JSON value")
	errDepth    = errors.New("the answer nests too deeply")
)

// maxDepth bounds nesting, so a hostile answer cannot exhaust the stack.
const maxDepth = 512

type scanner struct {
	b []byte
	i int
}

// peek returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// filterArray reads the array at s.i and appends "[" kept items "]".
func (s *scanner) filterArray(dst []byte, idField string, held map[string]struct{}) ([]byte, error) {
	s.i++ // '['
	dst = append(dst, '[')
	first := true
	s.ws()
	if s.peek() == ']' {
		s.i++
		return append(dst, ']'), nil
	}
	for {
		s.ws()
		start := s.i
		var keep bool
		if s.peek() == '{' {
			id, esc, ok, err := s.itemID(idField)
			if err != nil {
				return nil, err
			}
			switch {
			case ok && !esc:
				_, keep = held[string(id)] // no allocation
			case ok:
				_, keep = held[unquote(id, true)]
			}
		} else if err := s.skip(2); err != nil {
			return nil, err
		}
		if keep {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, s.b[start:s.i]...)
		}
		s.ws()
		c := s.peek()
		s.i++
		if c == ']' {
			return append(dst, ']'), nil
		}
		if c != ',' {
			return nil, errSyntax
		}
	}
}

// itemID reads the object at s.i and returns its id member: a string's
// raw contents (esc when it holds escapes) or a number's literal text. ok
// is false when the id is missing, repeated or of another type.
func (s *scanner) itemID(idField string) (id []byte, esc, ok bool, err error) {
	s.i++ // '{'
	seen := 0
	s.ws()
	if s.peek() == '}' {
		s.i++
		return nil, false, false, nil
	}
	for {
		s.ws()
		key, kesc, err := s.key()
		if err != nil {
			return nil, false, false, err
		}
		s.ws()
		if s.peek() != ':' {
			return nil, false, false, errSyntax
		}
		s.i++
		s.ws()
		if keyIs(key, kesc, idField) {
			seen++
			start := s.i
			switch c := s.peek(); {
			case c == '"':
				if id, esc, err = s.str(); err != nil {
					return nil, false, false, err
				}
				ok = true
			case c == '-' || '0' <= c && c <= '9':
				if err := s.number(); err != nil {
					return nil, false, false, err
				}
				id, esc, ok = s.b[start:s.i], false, true
			default:
				ok = false
				if err := s.skip(3); err != nil {
					return nil, false, false, err
				}
			}
		} else if err := s.skip(3); err != nil {
			return nil, false, false, err
		}
		s.ws()
		c := s.peek()
		s.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, false, false, errSyntax
		}
	}
	if seen != 1 {
		return nil, false, false, nil
	}
	return id, esc, ok, nil
}

// keyIs compares a member name, raw as read, with want.
func keyIs(raw []byte, esc bool, want string) bool {
	if !esc {
		return string(raw) == want
	}
	return unquote(raw, true) == want
}

// key reads a member name, raw, and whether it holds escapes.
func (s *scanner) key() ([]byte, bool, error) {
	if s.peek() != '"' {
		return nil, false, errSyntax
	}
	return s.str()
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

// str reads a string at s.i and returns its raw contents and whether it
// holds escapes. Invalid UTF-8 is refused: decoders differ on it.
func (s *scanner) str() ([]byte, bool, error) {
	s.i++ // '"'
	start := s.i
	// The common case: no escape before the closing quote. IndexByte is
	// vectorized, which makes the scan of a large list cheap.
	if q := bytes.IndexByte(s.b[start:], '"'); q >= 0 {
		raw := s.b[start : start+q]
		if bytes.IndexByte(raw, '\\') < 0 {
			if hasControl(raw) || !utf8.Valid(raw) {
				return nil, false, errSyntax
			}
			s.i = start + q + 1
			return raw, false, nil
		}
	}
	escaped := false
	for {
		// The common case, plain characters, in one tight loop.
		rest := s.b[s.i:]
		j := 0
		for j < len(rest) && plainByte[rest[j]] {
			j++
		}
		s.i += j
		if s.i >= len(s.b) {
			return nil, false, errSyntax
		}
		switch s.b[s.i] {
		case '"':
			raw := s.b[start:s.i]
			s.i++
			if !utf8.Valid(raw) {
				return nil, false, errSyntax
			}
			return raw, escaped, nil
		case '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return nil, false, errSyntax
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
					return nil, false, errSyntax
				}
				s.i += 6
			default:
				return nil, false, errSyntax
			}
		default: // a control character
			return nil, false, errSyntax
		}
	}
}

// hasControl reports a byte below 0x20, eight bytes at a time: such a
// byte is one whose top three bits are all zero.
func hasControl(b []byte) bool {
	const ones, highs, top3 = 0x0101010101010101, 0x8080808080808080, 0xE0E0E0E0E0E0E0E0
	for len(b) >= 8 {
		t := binary.LittleEndian.Uint64(b) & top3
		if (t-ones)&^t&highs != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// plainByte marks the bytes that stand for themselves inside a string.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
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

// number reads an RFC 8259 §6 number.
func (s *scanner) number() error {
	if s.peek() == '-' {
		s.i++
	}
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return errSyntax
	}
	if s.peek() == '.' {
		s.i++
		if !s.digits() {
			return errSyntax
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if !s.digits() {
			return errSyntax
		}
	}
	return nil
}

func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// skip validates and passes over one value at nesting depth.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	switch c := s.peek(); {
	case c == '"':
		_, _, err := s.str()
		return err
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '[':
		s.i++
		s.ws()
		if s.peek() == ']' {
			s.i++
			return nil
		}
		for {
			s.ws()
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			s.ws()
			c := s.peek()
			s.i++
			if c == ']' {
				return nil
			}
			if c != ',' {
				return errSyntax
			}
		}
	case c == '{':
		s.i++
		s.ws()
		if s.peek() == '}' {
			s.i++
			return nil
		}
		for {
			s.ws()
			if s.peek() != '"' {
				return errSyntax
			}
			if _, _, err := s.str(); err != nil {
				return err
			}
			s.ws()
			if s.peek() != ':' {
				return errSyntax
			}
			s.i++
			s.ws()
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			s.ws()
			c := s.peek()
			s.i++
			if c == '}' {
				return nil
			}
			if c != ',' {
				return errSyntax
			}
		}
	}
	return errSyntax
}

func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return errSyntax
	}
	s.i += len(word)
	return nil
}
