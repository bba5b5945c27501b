// Package policy owns the gateway's route policy language: routes written as
// net/http ServeMux patterns ("[METHOD ][HOST]/PATH"), each naming an
// upstream and the scopes a token must carry, or marked public. It decodes
// the routes section of the config, reports every problem with its
// position, compiles routes into an immutable [Set], matches requests with
// ServeMux precedence and decides allow or deny with a reason.
//
// Matching is done by a real [net/http.ServeMux] built at compile time, so
// precedence and conflict rules are exactly those of the standard library.
// Paths are judged as the backend will receive them: [CheckPath] rejects
// any path whose cleaned or unescaped form could reach a different route.
//
// The package is pure: no I/O, no logging, no HTTP handlers. The gateway,
// `scopegate check` and `scopegate explain` all use it.
package policy
