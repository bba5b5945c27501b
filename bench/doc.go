// Command bench is scopegate's load test on loopback. It starts a small
// backend, a bare httputil.ReverseProxy in front of it and the scopegate
// binary (authorization server + gateway) in front of the same backend, then
// drives each with the same keep-alive load and prints requests per second
// and latency percentiles side by side, as ratios against the bare proxy.
// The bare proxy and the two gateway phases take turns for -rounds rounds
// and the median round of each is shown, with every round's ratio: on a
// small shared machine one round alone can be off by 10% either way.
// It also measures the authorization server: client_credentials tokens
// per second, refresh_token grants per second (each connection rotating
// its own refresh token family, seeded by one authorization-code flow with
// offline_access), introspection requests per second (the flow client
// asking about its own active access token) and complete
// authorization-code flows per second, twice: with the RS256 ID tokens
// that clients get by default and with ES256 ones (a client registered
// with id_token_signed_response_alg: ES256), and prints how many fewer
// flows RS256 allows (issue 8: at most 10%). These phases take turns for
// -rounds rounds too, each warmed up for at least 2s before its first.
// Each flow signs in with a password hashed at bcrypt cost 4, so that it
// measures the server rather than bcrypt; -password-cost 12 measures
// flows as a real deployment pays for them (scopegate hash-password's
// cost).
//
// With -oidc-provider (on by default once node is on PATH and
// bench/oidcprovider/node_modules exists: (cd bench/oidcprovider && npm
// install)), it also starts panva's oidc-provider (bench/oidcprovider/
// server.js), pinned the same way, and runs the same client_credentials,
// refresh_token and introspection load against it in the same rounds; a
// scopegate row's ratio is against the oidc-provider row of the same kind
// (target: at least 2x). The work is made alike and checked before
// measuring: ES256-signed JWT access tokens that a key from the server's
// JWKS verifies; refresh tokens rotated on every use, with no ID token in
// the refresh response (the seed flows leave out openid); the same
// connections, client credentials and duration. What cannot be alike is
// said in the table: oidc-provider introspects only opaque access tokens
// (scopegate's are JWTs whose signature it checks), and it keeps tokens
// and grants in process memory (bench/oidcprovider/adapter.js) where
// scopegate writes them to SQLite. The "server CPU" column shows how much
// of one core the server used during a phase, near 100% meaning the
// server, not the load generator, set the number; "CPU µs/req" is that
// CPU per request, the server's cost whatever else the machine did, and
// the summary lines give the ratio of those costs beside the ratio of
// requests per second.
//
//	go run ./bench -duration 10s -connections 32
//	go run ./bench -gateway=false -duration 5s -rounds 5 -connections 16
//
// The gateway rounds also print each round's p99 difference from the bare
// proxy (issue 12: at most +0.5 ms); -authserver=false measures only them:
//
//	go run ./bench -authserver=false -duration 5s -rounds 5
//
// After every other phase, the gateway phases end with a revocation list
// (issue 9: at least 0.95x): -revoked entries (100,000 by default, half
// token IDs and half grant IDs) are written into scopegate's SQLite file
// by the bench, as another instance sharing it would, then one more token
// ID; once the gateway refuses that token, its poll has loaded the list.
// Then the bare proxy and the gateway take turns at once, while the
// server's polls still read the burst again (they look a minute back),
// with access tokens that each name a live grant, so every request looks
// up its jti and its gid. -revoked 0 skips it.
//
// With -reload it measures only the gateway while its config file is
// changed and reloaded (SIGHUP) every second, against the same load
// without reloads, round after round (issue 11: at least 0.9x, and no
// failed request):
//
//	go run ./bench -reload -duration 5s -rounds 5
//
// With -picked it measures only issue 7's routes, each against the bare
// proxy on the same requests, round after round: a resource route with a
// token narrowed to 200 photos by a real consent (at least 0.95x; the same
// token through a plain route shows what the check itself costs), and a
// filter route on a 1,000-item, 230 KB JSON list that keeps the 200
// picked photos (at least 0.7x, with scopegate's RSS after each round):
//
//	go run ./bench -picked -duration 5s -rounds 3
//
// Every address is on 127.0.0.1 and every loop is bounded in time; the
// program stops by itself.
package main
