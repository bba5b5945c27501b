// The reference point for scopegate's token-endpoint benchmark: panva's
// oidc-provider issuing client_credentials access tokens as ES256-signed
// JWTs. go run ./bench starts it (pinned to one CPU, like scopegate) and
// reads the listen address from the first line of stdout.
//
// Everything not named below keeps oidc-provider's defaults. The client,
// its secret and the scope come from the environment so that the bench
// can use the same credentials against both servers:
//
//   BENCH_CLIENT_ID      default bench-client
//   BENCH_CLIENT_SECRET  default bench-secret-0123456789abcdef
//   BENCH_SCOPE          default photos.read
//   BENCH_PORT           default 0 (any free port)
import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider from 'oidc-provider';

const clientId = process.env.BENCH_CLIENT_ID || 'bench-client';
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

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const { address, port: bound } = server.address();
  const issuer = `http://${address}:${bound}`;
  // The resource server that client_credentials tokens are for: the bench's
  // photo API. Its audience is a URN, as a resource indicator must be an
  // absolute URI.
  const resource = 'urn:scopegate:bench:photos';

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
    }],
    // The client's scope must be one the provider knows; the defaults are
    // openid and offline_access.
    scopes: ['openid', 'offline_access', scope],
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Requests without a resource parameter (the bench sends none, like
        // scopegate's clients) get the photo API.
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resource) {
            throw new Provider.errors.InvalidTarget();
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
