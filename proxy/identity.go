package proxy

import (
	"strings"

	"github.com/scopegate/scopegate/oauthrule"
)

// Identity values come from tokens: a subject or client ID chosen by
// another issuer, a federated user's "<provider>:<their sub>", scopes.
// Written into X-Auth-* as they are, a comma splits one value into two
// list elements for backends that read the header as a list (RFC 9110
// §5.3), surrounding spaces vanish (§5.5), CR, LF and NUL end the header
// or the request, and bidi controls and full-width letters show a name
// that is not what is compared. So every byte outside printable ASCII,
// and the space, '"', '%', ',', ';' and '\', is percent-encoded as in RFC
// 3986 §2.1, over the UTF-8 bytes (the encoding RFC 8187 uses for header
// parameter values). A value needing none of that is passed unchanged,
// and since '%' itself is always encoded, one percent-decoding gives the
// original back exactly.

// identityUnsafe marks the bytes encoded in identity values.
var identityUnsafe = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c <= ' ' || c >= 0x7f
	}
	for _, c := range `"%,;\` {
		t[c] = true
	}
	return t
}()

// identityValue returns v as an X-Auth-* value. It allocates only when v
// has something to encode.
func identityValue(v string) string {
	i := 0
	for i < len(v) && !identityUnsafe[v[i]] {
		i++
	}
	if i == len(v) {
		return v
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(v) + 8)
	b.WriteString(v[:i])
	for ; i < len(v); i++ {
		c := v[i]
		if identityUnsafe[c] {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// identityScope is X-Auth-Scope: the scopes separated by single spaces,
// each encoded like identityValue, so that the space still separates.
func identityScope(scopes []string) string {
	for _, s := range scopes {
		if identityValue(s) != s {
			enc := make([]string, len(scopes))
			for i, s := range scopes {
				enc[i] = identityValue(s)
			}
			return strings.Join(enc, " ")
		}
	}
	return oauthrule.FormatScope(scopes)
}
