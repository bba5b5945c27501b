// An in-memory oidc-provider adapter that keeps everything until it
// expires. oidc-provider's own development adapter
// (lib/adapters/memory_adapter.js) keeps at most 1000 entries, so the
// bench's refresh load (a new refresh token per request) would evict the
// access token that the introspection phase asks about, and it rescans a
// grant's whole token list on every write. This one does what a
// production adapter (Redis, a database) does, without the I/O: a lookup
// by id, secondary indexes for sessions and user codes, and a set of
// token keys per grant for revokeByGrantId. It is the fastest storage
// oidc-provider can have, so it is the fastest oidc-provider to compare
// with. The interface is oidc-provider's adapter interface
// (https://github.com/panva/node-oidc-provider/blob/main/example/my_adapter.js).

const entries = new Map(); // `${model}:${id}` -> { payload, expiresAt (ms) }
const sessionsByUid = new Map(); // session uid -> key
const byUserCode = new Map(); // device flow user code -> key
const grantKeys = new Map(); // grant id -> Set of keys

// The models whose entries revokeByGrantId removes, as in
// lib/adapters/memory_adapter.js.
const grantable = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

function drop(key) {
  const entry = entries.get(key);
  if (!entry) {
    return;
  }
  entries.delete(key);
  const { uid, userCode, grantId } = entry.payload;
  if (uid && sessionsByUid.get(uid) === key) {
    sessionsByUid.delete(uid);
  }
  if (userCode && byUserCode.get(userCode) === key) {
    byUserCode.delete(userCode);
  }
  if (grantId) {
    grantKeys.get(grantId)?.delete(key);
  }
}

function live(key) {
  const entry = key === undefined ? undefined : entries.get(key);
  if (!entry) {
    return undefined;
  }
  if (entry.expiresAt <= Date.now()) {
    drop(key);
    return undefined;
  }
  return entry.payload;
}

export default class BenchAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    drop(key);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    entries.set(key, { payload, expiresAt });
    if (this.model === 'Session') {
      sessionsByUid.set(payload.uid, key);
    }
    if (payload.userCode) {
      byUserCode.set(payload.userCode, key);
    }
    if (grantable.has(this.model) && payload.grantId) {
      let keys = grantKeys.get(payload.grantId);
      if (!keys) {
        keys = new Set();
        grantKeys.set(payload.grantId, keys);
      }
      keys.add(key);
    }
  }

  async find(id) {
    return live(this.key(id));
  }

  async findByUid(uid) {
    return live(sessionsByUid.get(uid));
  }

  async findByUserCode(userCode) {
    return live(byUserCode.get(userCode));
  }

  async consume(id) {
    const payload = live(this.key(id));
    if (payload) {
      payload.consumed = Math.floor(Date.now() / 1000);
    }
  }

  async destroy(id) {
    drop(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grantKeys.get(grantId) ?? []) {
      drop(key);
    }
    grantKeys.delete(grantId);
  }
}
