package oauthrule

import "strings"

// Paths the authorization server serves on the public listener: its
// endpoints under /oauth2/ and its metadata (RFC 8414 §3, OpenID Connect
// Discovery 1.0 §4). The gateway never sees requests for them, so a route
// naming one could never apply.
const (
	AuthServerPrefix   = "/oauth2/"
	MetadataPath       = "/.well-known/oauth-authorization-server"
	OpenIDMetadataPath = "/.well-known/openid-configuration"
)

// IsAuthServerPath reports whether the escaped request path p belongs to
// the authorization server rather than to the gateway.
func IsAuthServerPath(p string) bool {
	return strings.HasPrefix(p, AuthServerPrefix) || p == MetadataPath || p == OpenIDMetadataPath
}
