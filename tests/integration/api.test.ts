import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, ErrorCode, LoginResponse, Paths, RtcCredentials, Role, ShopperSessionResponse } from '../../protocol/index';
import { DEMO, SITE, httpRequest, login, shopperSession, signCustomer, startStack, type HttpResult, type Stack } from '../helpers/server';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const api = (p: string) => `${stack.url}/api${p}`;

function expectError(res: HttpResult, status: number, code: ErrorCode): void {
  expect({ status: res.status, body: res.json }).toMatchObject({ status, body: { error: { code } } });
  expect(ErrorBody.safeParse(res.json).success).toBe(true);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

describe('POST /api/auth/login', () => {
  it('signs in a demo agent and a supervisor', async () => {
    const res = await httpRequest(api('/auth/login'), { body: DEMO.alice });
    expect(res.status).toBe(200);
    const body = LoginResponse.parse(res.json);
    expect(body.user).toMatchObject({ email: DEMO.alice.email, role: Role.Agent });
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    const sam = await login(stack.url, { email: ' SAM@counterpart.test ', password: DEMO.sam.password });
    expect(sam.user.role).toBe(Role.Supervisor);
  });

  it('refuses a wrong password and an unknown email with 401 invalid_credentials', async () => {
    expectError(await httpRequest(api('/auth/login'), { body: { ...DEMO.alice, password: 'bob-demo-pass' } }), 401, ErrorCode.InvalidCredentials);
    expectError(await httpRequest(api('/auth/login'), { body: { email: 'nobody@counterpart.test', password: 'x' } }), 401, ErrorCode.InvalidCredentials);
  });

  it('answers malformed requests with 400 bad_request', async () => {
    expectError(await httpRequest(api('/auth/login'), { body: { email: 'not-an-email', password: 'x' } }), 400, ErrorCode.BadRequest);
    expectError(await httpRequest(api('/auth/login'), { body: { email: DEMO.alice.email } }), 400, ErrorCode.BadRequest);
    expectError(await httpRequest(api('/auth/login'), { body: [DEMO.alice] }), 400, ErrorCode.BadRequest);
  });

  it('answers a body that is not valid JSON with 400 bad_request (not 500)', async () => {
    expectError(
      await httpRequest(api('/auth/login'), { rawBody: '{"email":', headers: { 'content-type': 'application/json' } }),
      400,
      ErrorCode.BadRequest,
    );
  });

  it('refuses a body above the 16 kB JSON limit with 413 bad_request', async () => {
    expectError(await httpRequest(api('/auth/login'), { body: { ...DEMO.alice, pad: 'x'.repeat(20_000) } }), 413, ErrorCode.BadRequest);
  });
});

describe('POST /api/auth/refresh', () => {
  const refresh = (token?: string) =>
    httpRequest(api('/auth/refresh'), { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('trades a valid staff token for a fresh one that works', async () => {
    const first = await login(stack.url, DEMO.sam);
    await new Promise((r) => setTimeout(r, 1100)); // a later iat, so a different token
    const res = await refresh(first.token);
    expect(res.status).toBe(200);
    const next = LoginResponse.parse(res.json);
    expect(next.token).not.toBe(first.token);
    expect(next.user).toEqual(first.user);
    expect(Date.parse(next.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    expect((await httpRequest(api('/calls'), { headers: { authorization: `Bearer ${next.token}` } })).status).toBe(200);
  });

  it('refuses no token (401), a shopper token (403) and an account that no longer exists (401)', async () => {
    expectError(await refresh(), 401, ErrorCode.Unauthorized);
    expectError(await refresh((await shopperSession(stack.url)).token), 403, ErrorCode.Forbidden);
    const bob = await login(stack.url, DEMO.bob);
    await stack.server.db('users').where({ email: DEMO.bob.email }).update({ email: 'gone@counterpart.test', role: 'supervisor' });
    try {
      expectError(await refresh(bob.token), 401, ErrorCode.Unauthorized);
    } finally {
      await stack.server.db('users').where({ email: 'gone@counterpart.test' }).update({ email: DEMO.bob.email, role: 'agent' });
    }
  });
});

describe('POST /api/shopper/session', () => {
  const session = (origin: string | null, body: unknown) =>
    httpRequest(api('/shopper/session'), { headers: origin === null ? {} : { origin }, body });

  it('issues a shopper session to the allowed origin', async () => {
    const res = await session(SITE.origin, { siteKey: SITE.key });
    expect(res.status).toBe(200);
    const body = ShopperSessionResponse.parse(res.json);
    expect(body.shopperId).toMatch(/^[0-9a-f]+$/);
    expect(res.headers['access-control-allow-origin']).toBe(SITE.origin);
  });

  it('refuses other origins and requests without an origin with 403 origin_not_allowed', async () => {
    expectError(await session('http://evil.test', { siteKey: SITE.key }), 403, ErrorCode.OriginNotAllowed);
    expectError(await session(`${SITE.origin}:8080`, { siteKey: SITE.key }), 403, ErrorCode.OriginNotAllowed);
    expectError(await session(null, { siteKey: SITE.key }), 403, ErrorCode.OriginNotAllowed);
  });

  it('answers an unknown site key with 404 unknown_site', async () => {
    expectError(await session(SITE.origin, { siteKey: 'no-such-shop' }), 404, ErrorCode.UnknownSite);
  });

  it('accepts a customer identity signed with the site’s identity secret', async () => {
    const res = await session(SITE.origin, { siteKey: SITE.key, customer: { id: 1, signature: signCustomer(SITE.identitySecret, 1) } });
    expect(res.status).toBe(200);
    ShopperSessionResponse.parse(res.json);
  });

  it('refuses a tampered or foreign signature with 403 invalid_identity', async () => {
    const good = signCustomer(SITE.identitySecret, 1);
    const flipped = (good[0] === '0' ? '1' : '0') + good.slice(1);
    expectError(await session(SITE.origin, { siteKey: SITE.key, customer: { id: 1, signature: flipped } }), 403, ErrorCode.InvalidIdentity);
    // A valid signature, but for another customer id.
    expectError(await session(SITE.origin, { siteKey: SITE.key, customer: { id: 2, signature: good } }), 403, ErrorCode.InvalidIdentity);
    // Signed with another secret.
    expectError(
      await session(SITE.origin, { siteKey: SITE.key, customer: { id: 1, signature: signCustomer('another-secret', 1) } }),
      403,
      ErrorCode.InvalidIdentity,
    );
    // Not hex of the right length: a malformed request.
    expectError(await session(SITE.origin, { siteKey: SITE.key, customer: { id: 1, signature: 'abc' } }), 400, ErrorCode.BadRequest);
  });
});

describe('CORS', () => {
  const preflight = (path: string, origin: string) =>
    httpRequest(api(path), {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });

  it('answers a preflight from the allowed origin with Access-Control-Allow-Origin', async () => {
    for (const p of ['/shopper/session', '/rtc/credentials']) {
      const res = await preflight(p, SITE.origin);
      expect(res.status).toBeLessThan(300);
      expect(res.headers['access-control-allow-origin']).toBe(SITE.origin);
      expect(String(res.headers['access-control-allow-headers'])).toMatch(/authorization/);
    }
  });

  // Deliberate (commit 8702aef, comment on `cors` in server/src/http/api.ts): the widget endpoints
  // answer any origin so a shop that is not allowed yet can read why; the origin check and the
  // tokens protect them. So another origin gets its own origin echoed (never `*`, never
  // credentials) and the request itself is refused with a readable 403.
  it('lets another origin read the refusal, but never with a wildcard or credentials', async () => {
    for (const p of ['/shopper/session', '/rtc/credentials']) {
      const res = await preflight(p, 'http://evil.test');
      expect(res.headers['access-control-allow-origin']).toBe('http://evil.test');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(String(res.headers.vary)).toMatch(/origin/i);
    }
    const refused = await httpRequest(api('/shopper/session'), { headers: { origin: 'http://evil.test' }, body: { siteKey: SITE.key } });
    expectError(refused, 403, ErrorCode.OriginNotAllowed);
    expect(refused.headers['access-control-allow-origin']).toBe('http://evil.test');
  });

  it('gives staff endpoints no CORS headers, whatever the origin', async () => {
    for (const origin of [SITE.origin, 'http://evil.test']) {
      const res = await httpRequest(api('/auth/login'), { headers: { origin }, body: DEMO.alice });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await preflight('/auth/login', origin);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('POST /api/rtc/credentials', () => {
  it('needs a token (401 unauthorized)', async () => {
    expectError(await httpRequest(api('/rtc/credentials'), { method: 'POST' }), 401, ErrorCode.Unauthorized);
    expectError(
      await httpRequest(api('/rtc/credentials'), { method: 'POST', headers: { authorization: 'Bearer not-a-token' } }),
      401,
      ErrorCode.Unauthorized,
    );
  });

  it('gives a shopper a peer id bound to it, with a peer token and the PeerServer path', async () => {
    const s = await shopperSession(stack.url);
    const res = await httpRequest(api('/rtc/credentials'), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, origin: SITE.origin } });
    expect(res.status).toBe(200);
    const creds = RtcCredentials.parse(res.json);
    expect(creds.peerId.startsWith(`s-${s.shopperId}-`)).toBe(true);
    expect(creds.peerToken).not.toBe(s.token);
    expect(creds.peer).toEqual({ path: Paths.peer, key: Paths.peerKey });
    // Every call mints a new id.
    const again = RtcCredentials.parse((await httpRequest(api('/rtc/credentials'), { method: 'POST', headers: { authorization: `Bearer ${s.token}` } })).json);
    expect(again.peerId).not.toBe(creds.peerId);
  });

  it('gives an agent an a-<userId>- peer id', async () => {
    const a = await login(stack.url, DEMO.alice);
    const creds = RtcCredentials.parse((await httpRequest(api('/rtc/credentials'), { method: 'POST', headers: { authorization: `Bearer ${a.token}` } })).json);
    expect(creds.peerId.startsWith(`a-${a.user.id}-`)).toBe(true);
  });
});

describe('GET /api/calls', () => {
  it('needs the supervisor role', async () => {
    expectError(await httpRequest(api('/calls')), 401, ErrorCode.Unauthorized);
    const agent = await login(stack.url, DEMO.bob);
    expectError(await httpRequest(api('/calls'), { headers: { authorization: `Bearer ${agent.token}` } }), 403, ErrorCode.Forbidden);
    const shopper = await shopperSession(stack.url);
    expectError(await httpRequest(api('/calls'), { headers: { authorization: `Bearer ${shopper.token}` } }), 403, ErrorCode.Forbidden);
    const sam = await login(stack.url, DEMO.sam);
    const ok = await httpRequest(api('/calls'), { headers: { authorization: `Bearer ${sam.token}` } });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ calls: [] });
  });

  it('answers an unknown call id with 404 call_not_found', async () => {
    const sam = await login(stack.url, DEMO.sam);
    expectError(await httpRequest(api('/calls/no-such-call'), { headers: { authorization: `Bearer ${sam.token}` } }), 404, ErrorCode.CallNotFound);
  });
});

describe('unknown routes', () => {
  it('answers an unknown /api route with a 404 JSON error', async () => {
    expectError(await httpRequest(api('/no/such/route')), 404, ErrorCode.NotFound);
    expectError(await httpRequest(api('/no-such-thing'), { method: 'POST', body: {} }), 404, ErrorCode.NotFound);
  });
});
