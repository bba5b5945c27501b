package oauthrule

// Grant type names (RFC 6749 §4.1.3, §4.4.2, §6). The implicit and resource
// owner password grants are not offered (OAuth 2.1, draft-ietf-oauth-v2-1
// §10).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantClientCredentials = "client_credentials"
	GrantRefreshToken      = "refresh_token"
)

// KnownGrantType reports whether g is a grant type scopegate offers.
func KnownGrantType(g string) bool {
	return g == GrantAuthorizationCode || g == GrantClientCredentials || g == GrantRefreshToken
}
