// Package token owns the access-token contract shared by the authorization
// server and the gateway: the RFC 9068 claims, the scope string format, and
// the Verifier that checks a JWT access token (signature, "typ", issuer,
// audience, lifetime) on every gateway request.
//
// A Verifier trusts one or more issuers, each with its own [oidc.KeySet].
// The local authorization server passes its own key set (no HTTP); an
// external issuer is reached through OpenID discovery with
// [NewRemoteIssuer]. In tests, &oidc.StaticKeySet{PublicKeys: ...} or the
// helpers of package tokentest work as key sets.
//
// Signing is not done here; it stays in the authorization server.
package token
