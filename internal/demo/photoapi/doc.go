// Package photoapi is the demo's legacy photo API: a plain JSON-over-HTTP service that
// knows nothing of OAuth.
//
// It identifies the caller only by the X-Auth-Subject header that the scopegate gateway
// sets after checking the access token. Anyone who can reach it directly can claim to be
// anybody, so it must only ever be reachable through the gateway: the demo binds it to
// 127.0.0.1 and exposes it to the world through the gateway alone. That is the point of
// the demo: the API is protected without changing a line of it.
package photoapi
