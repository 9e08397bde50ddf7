/** Staff sessions: rotating refresh (with the grace for a lost answer), reuse detection, sign-out and absolute age. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode, LoginResponse, RealtimeTicket, Role } from '../../protocol/index';
import { createUser } from '../../server/src/db/seed';
import { DEMO, bearer, delay, httpRequest, login, shopperSession, startStack, type HttpResult, type Stack } from '../helpers/server';
import { expectError } from '../helpers/expect';
import { openRealtime, realtimeRefusal } from '../helpers/sockets';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const api = (p: string) => `${stack.url}/api${p}`;
/** A supervisor-only route: 200 for a live supervisor session, 401 once it is revoked. */
const listCalls = (token: string, base = stack.url) => httpRequest(`${base}/api/conversations`, { headers: bearer(token) });
const ticketFor = (token: string, base = stack.url) => httpRequest(`${base}/api/realtime/ticket`, { method: 'POST', headers: bearer(token) });
const refresh = (refreshToken: string, base = stack.url) => httpRequest(`${base}/api/auth/refresh`, { body: { refreshToken } });
const logout = (token: string) => httpRequest(api('/auth/logout'), { method: 'POST', headers: bearer(token) });

function ok(res: HttpResult): LoginResponse {
  expect({ status: res.status, body: res.json }).toMatchObject({ status: 200 });
  return LoginResponse.parse(res.json);
}

describe('POST /api/auth/refresh', () => {
  it('trades the refresh token for a new pair that works; the session end does not move', async () => {
    const first = await login(stack.url, DEMO.sam);
    await delay(1100); // a later iat, so a different access token
    const next = ok(await refresh(first.refreshToken));
    expect(next.token).not.toBe(first.token);
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(next.user).toEqual(first.user);
    expect(Date.parse(next.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    expect(next.sessionExpiresAt).toBe(first.sessionExpiresAt);
    expect((await listCalls(next.token)).status).toBe(200);
    // The new refresh token rotates again.
    expect(ok(await refresh(next.refreshToken)).user).toEqual(first.user);
  });

  it('wants the refresh token in the body: a bearer access token alone is a bad request', async () => {
    const sam = await login(stack.url, DEMO.sam);
    expectError(await httpRequest(api('/auth/refresh'), { method: 'POST', headers: bearer(sam.token) }), 400, ErrorCode.BadRequest);
    expectError(await httpRequest(api('/auth/refresh'), { body: {} }), 400, ErrorCode.BadRequest);
    expectError(await refresh(''), 400, ErrorCode.BadRequest);
    expectError(await refresh('x'.repeat(257)), 400, ErrorCode.BadRequest);
  });

  it('refuses an unknown refresh token, and an access token in its place', async () => {
    expectError(await refresh('garbage'), 401, ErrorCode.Unauthorized);
    expectError(await refresh(`${'0'.repeat(32)}.${randomBytes(32).toString('base64url')}`), 401, ErrorCode.Unauthorized);
    // Access tokens (staff or shopper) are not refresh tokens: too long for one (400), or not one (401).
    const sam = await login(stack.url, DEMO.sam);
    const shopper = await shopperSession(stack.url);
    for (const token of [sam.token, shopper.token]) {
      if (token.length > 256) expectError(await refresh(token), 400, ErrorCode.BadRequest);
      else expectError(await refresh(token), 401, ErrorCode.Unauthorized);
    }
    expect((await listCalls(sam.token)).status).toBe(200);
  });

  it('refuses the refresh token of an account that no longer exists or is no longer staff (401)', async () => {
    const dave = { email: 'dave@counterpart.test', password: 'dave-test-pass' };
    const daveId = await createUser(stack.server.db, { ...dave, name: 'Dave Doe', role: Role.Agent });
    const gone = await login(stack.url, dave);
    await stack.server.db('users').where({ id: daveId }).delete();
    expectError(await refresh(gone.refreshToken), 401, ErrorCode.Unauthorized);

    const erinId = await createUser(stack.server.db, { email: 'erin@counterpart.test', name: 'Erin Roe', role: Role.Supervisor, password: 'erin-test-pass' });
    const erin = await login(stack.url, { email: 'erin@counterpart.test', password: 'erin-test-pass' });
    expect((await listCalls(erin.token)).status).toBe(200);
    await stack.server.db('users').where({ id: erinId }).update({ role: 'disabled' });
    expectError(await refresh(erin.refreshToken), 401, ErrorCode.Unauthorized);
    // The session was ended with it: its access token stops working at once.
    expectError(await listCalls(erin.token), 401, ErrorCode.Unauthorized);
  });

  it('rotates: once used, a refresh token is refused (401)', async () => {
    const first = await login(stack.url, DEMO.sam);
    const second = ok(await refresh(first.refreshToken));
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expectError(await refresh(first.refreshToken), 401, ErrorCode.Unauthorized);
  });

  it('treats a spent refresh token presented again as stolen: the whole session is revoked', async () => {
    const first = await login(stack.url, DEMO.sam);
    const sock = await openRealtime(stack, first.token);
    await sock.next('snapshot');
    const second = ok(await refresh(first.refreshToken));
    const newest = ok(await refresh(second.refreshToken));
    expect((await listCalls(newest.token)).status).toBe(200);
    // Another session of the same user, which must not be affected.
    const other = await login(stack.url, DEMO.sam);

    // The spent first refresh token comes back (a thief's copy).
    expectError(await refresh(first.refreshToken), 401, ErrorCode.Unauthorized);

    // Nothing of that session works any more: the newest refresh and access tokens, its sockets.
    expectError(await refresh(newest.refreshToken), 401, ErrorCode.Unauthorized);
    expectError(await listCalls(newest.token), 401, ErrorCode.Unauthorized);
    expectError(await listCalls(first.token), 401, ErrorCode.Unauthorized);
    expectError(await ticketFor(newest.token), 401, ErrorCode.Unauthorized);
    expect((await sock.closed).code).toBe(CloseCode.Unauthorized);
    expect(sock.invalid).toEqual([]);

    expect((await listCalls(other.token)).status).toBe(200);
    expect(ok(await refresh(other.refreshToken)).user.email).toBe(DEMO.sam.email);
  });
});

describe('POST /api/auth/refresh after a lost answer', () => {
  it('accepts the token just replaced once more within the grace, and only then', async () => {
    const graced = await startStack({ env: { STAFF_REFRESH_GRACE_SECONDS: '2' }, shop: false });
    try {
      const r = (t: string) => refresh(t, graced.url);
      const first = await login(graced.url, DEMO.sam);
      const lost = ok(await r(first.refreshToken)); // the answer the client never got
      const retry = ok(await r(first.refreshToken)); // the client retries with what it has
      expect(retry.refreshToken).not.toBe(lost.refreshToken);
      // The pair that was lost stops working; the retried one works; the session lives.
      expectError(await r(lost.refreshToken), 401, ErrorCode.Unauthorized);
      const next = ok(await r(retry.refreshToken));
      expect((await listCalls(next.token, graced.url)).status).toBe(200);
      // The grace is once: the first token again is now a spent token coming back → revoked.
      expectError(await r(first.refreshToken), 401, ErrorCode.Unauthorized);
      expectError(await listCalls(next.token, graced.url), 401, ErrorCode.Unauthorized);

      // Past the grace, the token just replaced counts as stolen too.
      const again = await login(graced.url, DEMO.sam);
      const rotated = ok(await r(again.refreshToken));
      await delay(2200);
      expectError(await r(again.refreshToken), 401, ErrorCode.Unauthorized);
      expectError(await listCalls(rotated.token, graced.url), 401, ErrorCode.Unauthorized);
    } finally {
      await graced.close();
    }
  });
});

describe('POST /api/auth/refresh with a guessed token', () => {
  it('refuses a made-up refresh token for a known session id without ending that session', async () => {
    const sam = await login(stack.url, DEMO.sam);
    const sid = sam.refreshToken.split('.')[0]!;
    for (const secret of ['x', 'A'.repeat(43), sam.refreshToken.split('.')[1]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))])
      expectError(await refresh(`${sid}.${secret}`), 401, ErrorCode.Unauthorized);
    // Knowing the session id (it is in every access token) signs nobody out.
    expect((await listCalls(sam.token)).status).toBe(200);
    expect(ok(await refresh(sam.refreshToken)).user.email).toBe(DEMO.sam.email);
  });
});

describe('POST /api/auth/logout', () => {
  it('needs a staff token (401 without one, 403 for a shopper)', async () => {
    expectError(await httpRequest(api('/auth/logout'), { method: 'POST' }), 401, ErrorCode.Unauthorized);
    expectError(await logout('not-a-token'), 401, ErrorCode.Unauthorized);
    expectError(await logout((await shopperSession(stack.url)).token), 403, ErrorCode.Forbidden);
  });

  it('ends the session: its access token, refresh token and realtime sockets stop working (4401)', async () => {
    const sam = await login(stack.url, DEMO.sam);
    const samSock = await openRealtime(stack, sam.token);
    await samSock.next('snapshot');
    // Other sessions, of the same user and of another, go on.
    const samElsewhere = await login(stack.url, DEMO.sam);
    const otherSock = await openRealtime(stack, samElsewhere.token);
    const alice = await login(stack.url, DEMO.alice);
    const aliceSock = await openRealtime(stack, alice.token);

    const res = await logout(sam.token);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    expect((await samSock.closed).code).toBe(CloseCode.Unauthorized);
    expectError(await listCalls(sam.token), 401, ErrorCode.Unauthorized);
    expectError(await ticketFor(sam.token), 401, ErrorCode.Unauthorized);
    expectError(await refresh(sam.refreshToken), 401, ErrorCode.Unauthorized);
    expectError(await logout(sam.token), 401, ErrorCode.Unauthorized);

    expect(otherSock.ws.readyState).toBe(otherSock.ws.OPEN);
    expect(aliceSock.ws.readyState).toBe(aliceSock.ws.OPEN);
    expect((await listCalls(samElsewhere.token)).status).toBe(200);
    await Promise.all([otherSock.close(), aliceSock.close()]);
  });

  it('also refuses a realtime ticket the session got before it signed out', async () => {
    const sam = await login(stack.url, DEMO.sam);
    const res = await ticketFor(sam.token);
    expect(res.status).toBe(200);
    const { ticket } = RealtimeTicket.parse(res.json);
    expect((await logout(sam.token)).status).toBe(204);
    // The ticket is unused and unexpired, but its session has ended: no socket.
    expect(await realtimeRefusal(stack, ticket)).toBe(401);
  });
});

describe('staff session absolute age (STAFF_SESSION_MAX_HOURS)', () => {
  let short: Stack;
  beforeAll(async () => {
    short = await startStack({ shop: false, env: { STAFF_SESSION_MAX_HOURS: '0.001' } });
  });
  afterAll(async () => {
    await short?.close();
  });

  it('refuses a refresh after the session’s end, however recently it was rotated', async () => {
    const first = await login(short.url, DEMO.sam);
    const end = Date.parse(first.sessionExpiresAt);
    expect(end - Date.now()).toBeGreaterThan(2000);
    expect(end - Date.now()).toBeLessThanOrEqual(short.config.staffSessionMaxSeconds * 1000);
    expect(Date.parse(first.expiresAt)).toBeLessThanOrEqual(end);

    // Rotated in time, twice; no access token outlives the session.
    await delay(700);
    const second = ok(await refresh(first.refreshToken, short.url));
    expect(second.sessionExpiresAt).toBe(first.sessionExpiresAt);
    expect(Date.parse(second.expiresAt)).toBeLessThanOrEqual(end);
    const sock = await openRealtime(short, second.token);
    await delay(700);
    const third = ok(await refresh(second.refreshToken, short.url));
    expect(third.sessionExpiresAt).toBe(first.sessionExpiresAt);
    expect(Date.parse(third.expiresAt)).toBeLessThanOrEqual(end);
    expect((await listCalls(third.token, short.url)).status).toBe(200);

    await delay(Math.max(0, end - Date.now()) + 300);
    expectError(await refresh(third.refreshToken, short.url), 401, ErrorCode.Unauthorized);
    expectError(await listCalls(third.token, short.url), 401, ErrorCode.Unauthorized);
    // The socket opened during the session did not outlive it.
    expect((await sock.closed).code).toBe(CloseCode.Unauthorized);
  });
});

