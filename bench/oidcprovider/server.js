// The reference point for scopegate's authorization-server benchmark:
// panva's oidc-provider. go run ./bench starts it (pinned to one CPU, like
// scopegate), reads the listen address from the first line of stdout and
// measures three things against scopegate under the same load:
//
//   - client_credentials grants: ES256-signed JWT access tokens;
//   - refresh_token grants, rotating the refresh token on every use (as
//     scopegate does, RFC 9700 §4.14.2) and signing an ES256 JWT access
//     token each time; the refresh tokens come from real authorization-code
//     flows through the development login and consent pages;
//   - introspection (RFC 7662) of an active access token by the confidential
//     client it was issued to. oidc-provider refuses to introspect JWT
//     access tokens (shared/reject_structured_tokens.js), so that token is
//     opaque: the bench asks for it with the resource indicator of the
//     opaque twin of the photo API.
//
// Tokens, grants and sessions live in this process's memory (adapter.js),
// with no I/O at all, where scopegate writes them to SQLite. Everything not
// named below keeps oidc-provider's defaults, among them plaintext client
// secrets compared in constant time. The clients, their
// secret and the scope come from the environment so that the bench can use
// the same credentials against both servers:
//
//   BENCH_CLIENT_ID      client_credentials client, default bench-client
//   BENCH_FLOW_CLIENT_ID authorization_code + refresh_token client, default bench-app
//   BENCH_REDIRECT_URI   the flow client's redirect URI, default http://127.0.0.1:1/callback
//   BENCH_CLIENT_SECRET  both clients' secret, default bench-secret-0123456789abcdef
//   BENCH_SCOPE          default photos.read
//   BENCH_PORT           default 0 (any free port)
import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider from 'oidc-provider';

import BenchAdapter from './adapter.js';

const clientId = process.env.BENCH_CLIENT_ID || 'bench-client';
const flowClientId = process.env.BENCH_FLOW_CLIENT_ID || 'bench-app';
const redirectUri = process.env.BENCH_REDIRECT_URI || 'http://127.0.0.1:1/callback';
const clientSecret = process.env.BENCH_CLIENT_SECRET || 'bench-secret-0123456789abcdef';
const scope = process.env.BENCH_SCOPE || 'photos.read';
const port = Number(process.env.BENCH_PORT || 0);

// One fresh P-256 key per run: the only signing key, so every JWT this
// provider signs is ES256.
const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: 'bench-es256',
  alg: 'ES256',
  use: 'sig',
};

// The resource server that access tokens are for: the bench's photo API.
// Its audience is a URN, as a resource indicator must be an absolute URI
// (RFC 8707 §2). The opaque twin has the same audience and scope; only
// the token format differs.
const resource = 'urn:scopegate:bench:photos';
const opaqueResource = 'urn:scopegate:bench:photos-opaque';

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const { address, port: bound } = server.address();
  const issuer = `http://${address}:${bound}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope,
      id_token_signed_response_alg: 'ES256',
    }, {
      client_id: flowClientId,
      client_secret: clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [redirectUri],
      scope: `offline_access ${scope}`,
      id_token_signed_response_alg: 'ES256',
    }],
    // The clients' scopes must be ones the provider knows; the defaults are
    // openid and offline_access.
    scopes: ['openid', 'offline_access', scope],
    adapter: BenchAdapter,
    // Every login name is an account, as on the development login page:
    // oidc-provider's default, stated so that it does not warn.
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    // Rotate on every use, as scopegate does; a rotated token presented
    // again revokes its grant (actions/grants/refresh_token.js).
    rotateRefreshToken: true,
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      // The login and consent pages the bench signs in and consents
      // through to get its refresh tokens: any login name is accepted.
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Requests without a resource parameter (the bench sends none, like
        // scopegate's clients) get the photo API.
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resource && indicator !== opaqueResource) {
            throw new Provider.errors.InvalidTarget();
          }
          if (indicator === opaqueResource) {
            return { scope, audience: resource, accessTokenFormat: 'opaque' };
          }
          return {
            scope,
            audience: resource,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider:', err));

  server.on('request', provider.callback());
  process.stdout.write(`${address}:${bound}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
