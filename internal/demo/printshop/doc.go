// Package printshop is PrintMyPhotos, the demo's third-party photo-printing web shop.
//
// It is an ordinary OAuth 2.0 client: it finds the authorization server's endpoints
// through RFC 8414 discovery, runs the authorization code flow with PKCE (S256) and a
// client secret using golang.org/x/oauth2, and then calls the photo API through the
// scopegate gateway with the access token. Nothing in it is specific to scopegate.
//
// Tokens, codes, the PKCE verifier and the state live only in the shop's server-side
// session; the browser holds a random session cookie and never sees any of them. Pages
// explain each of the nine steps of the flow as it happens, because teaching the flow
// is what the demo is for.
//
// "Sign in with Photo Drive" (signin.go) is the other use case, OpenID Connect: the shop
// has no accounts of its own; it verifies the drive's ID token with go-oidc and greets
// the user by name, and "Sign out" ends the drive's session through its
// end_session_endpoint.
package printshop
