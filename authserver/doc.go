// Package authserver is scopegate's OAuth 2.0 authorization server and
// OpenID Provider (Basic and Config profiles of OpenID Connect Core), and
// the relying party of upstream OpenID providers users may sign in with.
//
// It owns the protocol endpoints, the login and consent flow, browser
// sessions, authorization codes, client authentication, signing keys and
// the tokens it mints: access tokens (RFC 9068 JWTs, always ES256) and ID
// tokens (RS256, or ES256 for clients that register it). It leaves persistence
// to [store.Store], HTML to authserver/pages, and token checking at the
// gateway to package token, which verifies with [Server.KeySet].
//
// Routes registered by [Server.Mount]:
//
//	GET  /.well-known/oauth-authorization-server  RFC 8414 metadata
//	GET  /.well-known/openid-configuration         the same document for OIDC discovery
//	GET  /oauth2/jwks                              public signing keys
//	GET, POST /oauth2/authorize                    authorization endpoint (RFC 6749 §4.1)
//	GET, POST /oauth2/login                        local username + password
//	GET, POST /oauth2/consent                      approve or deny the requested scopes
//	POST /oauth2/token                             authorization_code, client_credentials, refresh_token
//	POST /oauth2/revoke                            token revocation (RFC 7009)
//	POST /oauth2/introspect                        token introspection (RFC 7662), confidential clients
//	OPTIONS /oauth2/token, /oauth2/userinfo        CORS preflight (no credentials)
//	GET, POST /oauth2/userinfo                     OIDC userinfo for a bearer access token
//	GET  /oauth2/account, POST /oauth2/account/revoke  list and revoke granted clients
//	GET, POST /oauth2/logout                       end_session_endpoint (RP-Initiated Logout 1.0) and our sign-out form
//	POST /oauth2/idp/{id}/start                    "Continue with <provider>": off to the upstream provider
//	GET  /oauth2/idp/{id}/callback                 back from it: code exchange, ID token checks, session
//	GET  /oauth2/static/                           CSS and images of the pages
//
// The code flow: /authorize checks client, redirect URI, response type,
// PKCE and scopes. Until the redirect URI is known to be registered, errors
// are shown as a page and never redirected (RFC 9700 §4.11.2). The checked
// request is sealed (signed and encrypted with securecookie) and travels
// through login and consent in a query parameter or hidden field, so no
// step trusts client_id or redirect_uri from a form. With a session and a
// stored consent covering the scopes, a one-time code (256 random bits,
// stored only as its SHA-256) is issued and the browser is sent back with
// 303, always with "iss" (RFC 9207). prompt=login (and select_account) and
// max_age demand a sign-in newer than the request or max_age, over an
// existing session; prompt=consent asks again; prompt=none answers
// login_required or consent_required instead of showing a page
// (OIDC Core §3.1.2.1). /token redeems the code once,
// checking client, redirect URI and the PKCE verifier.
//
// client_credentials issues a token whose sub is the client id (New
// refuses a client id equal to a username, RFC 9700 §4.15.1); an omitted
// scope means every scope the client is registered for except openid,
// which needs a user. There is no password grant.
//
// Grants (grants.go): what a user allowed a client. Every code, access
// token ("gid" claim) and refresh token names its grant, and
// [Server.RevokeGrant] stops them all: at once in this process, and in the
// store, where other instances learn it from a notification
// (store.RevocationWatcher) or their poll ([Server.FollowRevocations]).
// Refresh tokens (refresh.go) are opaque, 256 random bits, stored as
// SHA-256, rotated on every use by one conditional write in the store; a
// retired one presented again (a replay, or the loser of a concurrent
// refresh) revokes its grant (RFC 9700 §4.14.2). /oauth2/revoke
// (revoke.go) revokes an access token by jti and a refresh token with its
// grant; /oauth2/introspect (introspect.go) answers only about the
// caller's own tokens.
//
// Upstream providers (upstream.go, upstream_login.go) are discovered at
// their first use, never at start, and retried at most every ten seconds
// while down. state, nonce and the PKCE verifier travel in a securecookie
// cookie of the browser that started, which the callback deletes; the
// state is also stored like a code and redeemed once, so a callback works
// once across instances. Their users get the subject "<id>:<upstream
// sub>", never a local user's, and their profile is kept in the store,
// refreshed at every sign-in, for ID tokens and userinfo.
//
// Audit log: every security event goes through one helper,
// s.audit(r, Event…, subject, clientID, extra fields…), which writes one
// line to Config.Audit with the event name, subject, client, remote address
// and request ID (withRequestID gives every request of the server one, sent
// back in X-Request-Id). New code paths add an Event constant in audit.go
// and one call; they never pass a password, secret, code or token.
//
// Client secrets are never kept in plaintext: a configured bcrypt hash, or
// for a plaintext secret an HMAC under a per-process key. After one
// successful bcrypt check the HMAC of the presented secret is remembered,
// so the token endpoint stays fast without weakening storage; failures
// always take the slow path and are rate limited.
package authserver
