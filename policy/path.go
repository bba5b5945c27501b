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
)

// CheckPath reports whether escapedPath, the path exactly as the backend
// will receive it, is unambiguous enough to choose a route from
// (SECURITY.md B.1). It rejects dot segments, empty segments, backslashes,
// semicolons, control bytes and spaces, invalid percent-encoding, and
// percent-encoded (or double-encoded) "/", ".", "\", ";", "?", "#" and NUL.
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
			i += 2
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
