package policy

// pathError is why CheckPath rejected a path. Its values are constants, so
// rejecting a path on the request path costs no allocation, and its text is
// safe to show to the client: it never repeats the path.
type pathError string

func (e pathError) Error() string { return "policy: " + string(e) }

const (
	errPathNoSlash    pathError = "path does not start with /"
	errPathDotSegment pathError = "path contains a dot segment (. or ..)"
	errPathEmptySeg   pathError = "path contains an empty segment (//)"
	errPathBackslash  pathError = `path contains a backslash`
	errPathSemicolon  pathError = "path contains a semicolon"
	errPathQueryChar  pathError = "path contains a raw ? or #"
	errPathControl    pathError = "path contains a control character or space"
	errPathBadEscape  pathError = "path contains an invalid percent-encoding"
	errPathEncoded    pathError = `path contains an encoded /, ., \, ;, ?, # or NUL`
	errPathDoubleEnc  pathError = `path contains a double-encoded /, ., \, ;, ?, # or NUL`
	errPathOverlong   pathError = "path contains an overlong UTF-8 sequence"
	errPathLookalike  pathError = `path contains a character that normalizes to /, ., \, ;, ?, # or %`
)

// CheckPath reports whether escapedPath, the path exactly as the backend
// will receive it, is unambiguous enough to choose a route from
// (threat model B.1). It rejects dot segments, empty segments, backslashes,
// semicolons, control bytes and spaces, invalid percent-encoding, and
// percent-encoded (or double-encoded) "/", ".", "\", ";", "?", "#" and NUL.
// It also rejects, raw or percent-encoded, overlong UTF-8 sequences (such
// as %C0%AE, a "." to lenient decoders) and the few characters whose
// Unicode compatibility form (NFKC) or Windows best-fit mapping contains
// one of those bytes or "%" (such as U+FF0E FULLWIDTH FULL STOP): a
// backend that normalizes would otherwise split or climb the path
// differently from the matcher. Other non-ASCII bytes, valid UTF-8 or not,
// are accepted.
// When it returns nil, the unescaped path is already clean (path.Clean
// leaves it alone apart from a trailing slash), so the raw and cleaned
// forms cannot reach different routes. The error text is safe to show to
// a client.
func CheckPath(escapedPath string) error {
	p := escapedPath
	if p == "" || p[0] != '/' {
		return errPathNoSlash
	}
	segStart := 1 // index just after the '/' opening the current segment
	for i := 1; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '/':
			if err := checkSegment(p[segStart:i]); err != nil {
				return err
			}
			if i == segStart {
				return errPathEmptySeg
			}
			segStart = i + 1
		case c == '%':
			if err := checkEscape(p, i); err != nil {
				return err
			}
			if p[i+1] >= '8' { // an escaped byte >= 0x80
				if err := checkNonASCII(p, i); err != nil {
					return err
				}
			}
			i += 2
		case c >= 0x80:
			if err := checkNonASCII(p, i); err != nil {
				return err
			}
		case c < 0x20 || c == 0x7f || c == ' ':
			return errPathControl
		case c == '\\':
			return errPathBackslash
		case c == ';':
			return errPathSemicolon
		case c == '?' || c == '#':
			return errPathQueryChar
		}
	}
	// A trailing empty segment is a trailing slash, which is fine.
	return checkSegment(p[segStart:])
}

// checkSegment rejects the dot segments "." and "..". Encoded dots never
// get here: checkEscape rejects them.
func checkSegment(seg string) error {
	if seg == "." || seg == ".." {
		return errPathDotSegment
	}
	return nil
}

// checkEscape checks the escape at p[i] == '%'.
func checkEscape(p string, i int) error {
	if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
		return errPathBadEscape
	}
	v := unhex(p[i+1])<<4 | unhex(p[i+2])
	if forbiddenEncoded(v) {
		return errPathEncoded
	}
	// "%25" followed by an escape of a forbidden byte is "%2F" etc. to any
	// backend that decodes twice: a known bypass, so refuse it.
	if v == '%' && i+4 < len(p) && isHex(p[i+3]) && isHex(p[i+4]) &&
		forbiddenEncoded(unhex(p[i+3])<<4|unhex(p[i+4])) {
		return errPathDoubleEnc
	}
	return nil
}

// forbiddenEncoded reports whether an encoded byte would change how the
// path splits into segments or where it ends, were anyone to decode it.
func forbiddenEncoded(v byte) bool {
	switch v {
	case '/', '.', '\\', ';', '?', '#', 0:
		return true
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// pathByte returns the byte at p[i], decoding a percent-escape, and the
// index after it; ok is false at the end of p or on a bad escape.
func pathByte(p string, i int) (b byte, next int, ok bool) {
	switch {
	case i >= len(p):
		return 0, i, false
	case p[i] != '%':
		return p[i], i + 1, true
	case i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
		return unhex(p[i+1])<<4 | unhex(p[i+2]), i + 3, true
	}
	return 0, i, false
}

// checkNonASCII looks at the UTF-8 sequence that starts at p[i] (a byte
// >= 0x80, raw or escaped). An overlong encoding is refused; so is a
// character in lookalikes. Anything else, including bytes that are not
// UTF-8 at all (a Latin-1 path), is left alone. Only non-ASCII paths pay.
func checkNonASCII(p string, i int) error {
	lead, i, _ := pathByte(p, i)
	var n int   // continuation bytes
	var r rune  // decoded so far
	var lo byte // smallest second byte of a non-overlong sequence
	switch {
	case lead == 0xC0 || lead == 0xC1:
		if b, _, ok := pathByte(p, i); ok && b&0xC0 == 0x80 {
			return errPathOverlong // a 2-byte encoding of ASCII
		}
		return nil
	case lead&0xE0 == 0xC0:
		n, r, lo = 1, rune(lead&0x1F), 0x80
	case lead == 0xE0:
		n, r, lo = 2, 0, 0xA0
	case lead&0xF0 == 0xE0:
		n, r, lo = 2, rune(lead&0x0F), 0x80
	case lead == 0xF0:
		n, r, lo = 3, 0, 0x90
	case lead&0xF8 == 0xF0:
		n, r, lo = 3, rune(lead&0x07), 0x80
	default:
		return nil // a continuation byte, or not UTF-8
	}
	for k := 0; k < n; k++ {
		b, next, ok := pathByte(p, i)
		if !ok || b&0xC0 != 0x80 {
			return nil // not UTF-8: not ours to judge
		}
		if k == 0 && b < lo {
			return errPathOverlong
		}
		r, i = r<<6|rune(b&0x3F), next
	}
	if isLookalike(r) {
		return errPathLookalike
	}
	return nil
}

// lookalikes are the characters whose NFKC form contains '/', '.', '\',
// ';', '?', '#' or '%' (Unicode 15; computed with Python's unicodedata),
// plus U+2215 and U+2216, which Windows best-fit maps to '/' and '\'.
// Sorted, for binary search.
var lookalikes = [...]rune{
	0x037E, 0x2024, 0x2025, 0x2026, 0x2047, 0x2048, 0x2049, 0x2100, 0x2101, 0x2105, 0x2106,
	0x2215, 0x2216, 0x2488, 0x2489, 0x248A, 0x248B, 0x248C, 0x248D, 0x248E, 0x248F, 0x2490,
	0x2491, 0x2492, 0x2493, 0x2494, 0x2495, 0x2496, 0x2497, 0x2498, 0x2499, 0x249A, 0x249B,
	0x33C2, 0x33C7, 0x33D8, 0xFE14, 0xFE16, 0xFE19, 0xFE30, 0xFE52, 0xFE54, 0xFE56, 0xFE5F,
	0xFE68, 0xFE6A, 0xFF03, 0xFF05, 0xFF0E, 0xFF0F, 0xFF1B, 0xFF1F, 0xFF3C, 0x1F100,
}

func isLookalike(r rune) bool {
	lo, hi := 0, len(lookalikes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch {
		case lookalikes[m] == r:
			return true
		case lookalikes[m] < r:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}
