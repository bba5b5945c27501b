// Package pages renders the authorization server's HTML pages (login,
// consent, account, error, signed out) from embedded html/template files and
// serves their stylesheet and default logo. It knows nothing about OAuth: the
// authserver fills the data structs in api.go and sets the security headers.
//
// The pages are built for the authserver's Content-Security-Policy
// (default-src 'none'; style-src 'self'; img-src 'self' data:): they contain
// no script, no inline style and no external URL, and work without
// JavaScript. Everything they load comes from [Renderer.Static], which the
// authserver mounts at [StaticPrefix]:
//
//	mux.Handle(pages.StaticPrefix, http.StripPrefix("/oauth2/static", r.Static()))
package pages
