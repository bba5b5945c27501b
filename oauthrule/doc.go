// Package oauthrule owns the OAuth 2.0 protocol vocabulary that more than
// one part of scopegate must judge the same way: the scope grammar
// (RFC 6749 §3.3), which issuer and redirect URIs are acceptable and how a
// redirect URI is matched (RFC 6749 §3.1.2, RFC 8252 §7.3, RFC 9700
// §4.1.3), loopback hosts, user and client identifiers, grant type names,
// and the Bearer credentials of an Authorization header (RFC 6750 §2.1).
//
// `scopegate check` (package config) and `scopegate serve` (packages
// authserver, proxy, token and policy) all call these functions, so a
// config one accepts the other accepts too. The package uses only the
// standard library and imports nothing of scopegate: every other package
// may depend on it.
package oauthrule
