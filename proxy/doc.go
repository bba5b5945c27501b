// Package proxy owns the gateway: an http.Handler that checks each request
// against the route policy and the caller's bearer access token, then
// forwards it to an unmodified backend with httputil.ReverseProxy.
//
// Every request runs through one fixed pipeline; no route can skip a step:
//
//  1. Reject ambiguity (400): two Authorization headers, a Host header that
//     disagrees with the request's host, an absolute-form target (whose
//     Host header net/http hides from us), a missing or malformed host
//     (empty labels, "%", ","), a path that policy.CheckPath refuses (dot
//     segments, "//", encoded "/", ".", "\", ";", "?", "#" or NUL,
//     overlong UTF-8, lookalikes such as U+FF0E). The route is chosen from
//     exactly the path the backend receives.
//  2. Remove the headers the caller listed in Connection, before anything
//     reads a header, so a caller cannot make us drop what we add later.
//     Only a WebSocket upgrade survives; h2c and others are dropped.
//  3. Remove every header that folds (case, "-", "_", ".") to X-Auth-Subject,
//     X-Auth-Client-Id or X-Auth-Scope, or to a path or method override
//     (X-Original-URL, X-Rewrite-URL, X-HTTP-Method-Override, ...): on
//     every route, public ones too. Forwarding headers (X-Forwarded-*,
//     Forwarded, X-Real-IP, ...) go too unless the peer is a trusted
//     proxy and the name is spelled canonically.
//  4. Match a route (404 when none). A public route is forwarded now.
//  5. Take the bearer token from "Authorization: Bearer" only; a token in
//     the query ("&" or ";" separated) is refused (RFC 9700 §4.3.2), a malformed header is 400
//     invalid_request (RFC 6750 §3.1), none is 401.
//  6. Verify the token (401 invalid_token; 503 when the issuer's keys
//     cannot be fetched), then the route's scopes (403
//     insufficient_scope with the required scope list). Then a route's
//     owner check (the path parameter must equal the token's sub) and, for
//     a token narrowed to picked items (token.Claims.PickedItems), its
//     resource check: a missing item is 403 insufficient_scope naming it
//     as RFC 9396 authorization_details, and the backend never sees it.
//  7. Set X-Auth-Subject, X-Auth-Client-Id and X-Auth-Scope, and forward:
//     X-Forwarded-For/-Host/-Proto rebuilt, Forwarded dropped, and
//     Authorization dropped unless the upstream passes it on. On a filter
//     route a narrowed token's answer is buffered (up to a limit), decoded
//     from gzip or deflate, stripped of unpicked items and sent plain
//     without validators; what cannot be filtered safely is 502. Other
//     tokens keep streaming.
//
// Request IDs come from the request context when an outer handler set one
// (httplog.WithRequestID); otherwise the gateway makes one itself, for
// every request when the access log is on and only for error responses
// when it is off.
//
// Errors deny: a panic becomes 500, an unreachable upstream 502, a slow one
// 504. Every error response carries an error_id equal to the request ID in
// the access-log line. Route matching and decisions belong to package
// policy; token verification to package token, behind [Verifier].
package proxy
