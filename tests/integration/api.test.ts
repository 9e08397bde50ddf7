import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConversationList,
  ErrorBody,
  ErrorCode,
  LoginResponse,
  MAX_VOUCH_SECONDS,
  Paths,
  RtcCredentials,
  Role,
  ShopperSessionResponse,
  customerVouchMessage,
  type CustomerVouch,
} from '../../protocol/index';
import { startConversation, startMessage } from '../helpers/conversations';
import { DEMO, SITE, bearer, httpRequest, login, shopperSession, signCustomer, startStack, type Stack } from '../helpers/server';
import { expectError } from '../helpers/expect';
import { openPeer, openRealtime } from '../helpers/sockets';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const api = (p: string) => `${stack.url}/api${p}`;

describe('POST /api/auth/login', () => {
  it('signs in a demo agent and a supervisor', async () => {
    const res = await httpRequest(api('/auth/login'), { body: DEMO.alice });
    expect(res.status).toBe(200);
    const body = LoginResponse.parse(res.json);
    expect(body.user).toMatchObject({ email: DEMO.alice.email, role: Role.Agent });
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    // A rotating refresh token, and a session end no refresh goes past (after the access token's).
    expect(body.refreshToken.length).toBeGreaterThan(32);
    expect(body.refreshToken).not.toBe(body.token);
    expect(Date.parse(body.sessionExpiresAt)).toBeGreaterThanOrEqual(Date.parse(body.expiresAt));
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

  it('refuses a body above the 16 kB JSON limit with 413 too_large', async () => {
    expectError(await httpRequest(api('/auth/login'), { body: { ...DEMO.alice, pad: 'x'.repeat(20_000) } }), 413, ErrorCode.TooLarge);
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
    // With the ticket for its first realtime socket, short-lived.
    expect(body.ticket.ticket).not.toBe(body.token);
    expect(Date.parse(body.ticket.expiresAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(body.ticket.expiresAt)).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('refuses other origins and requests without an origin with 403 origin_not_allowed', async () => {
    expectError(await session('http://evil.test', { siteKey: SITE.key }), 403, ErrorCode.OriginNotAllowed);
    expectError(await session(`${SITE.origin}:8080`, { siteKey: SITE.key }), 403, ErrorCode.OriginNotAllowed);
    expectError(await session(null, { siteKey: SITE.key }), 403, ErrorCode.OriginNotAllowed);
  });

  it('answers an unknown site key with 404 unknown_site', async () => {
    expectError(await session(SITE.origin, { siteKey: 'no-such-shop' }), 404, ErrorCode.UnknownSite);
  });

  const vouched = (customer: unknown) => session(SITE.origin, { siteKey: SITE.key, customer });
  /** A vouch signed with the site's secret, with any fields (what a shop could sign, right or wrong). */
  const forge = (v: { id: number; expiresAt: number; nonce?: string; siteKey?: string; secret?: string }): CustomerVouch => {
    const nonce = v.nonce ?? randomBytes(18).toString('base64url');
    const message = customerVouchMessage({ siteKey: v.siteKey ?? SITE.key, id: v.id, expiresAt: v.expiresAt, nonce });
    return { id: v.id, expiresAt: v.expiresAt, nonce, signature: createHmac('sha256', v.secret ?? SITE.identitySecret).update(message).digest('hex') };
  };
  const nowS = () => Math.floor(Date.now() / 1000);

  it('accepts a customer vouch signed with the site’s identity secret', async () => {
    const res = await vouched(signCustomer(SITE.identitySecret, 1));
    expect(res.status).toBe(200);
    ShopperSessionResponse.parse(res.json);
    // A vouch built by hand the same way (the documented message) is accepted too.
    expect((await vouched(forge({ id: 1, expiresAt: nowS() + 300 }))).status).toBe(200);
  });

  it('refuses a tampered or foreign signature with 403 invalid_identity', async () => {
    const good = signCustomer(SITE.identitySecret, 1);
    const flipped = (good.signature[0] === '0' ? '1' : '0') + good.signature.slice(1);
    expectError(await vouched({ ...good, signature: flipped }), 403, ErrorCode.InvalidIdentity);
    // A valid signature, but for another customer id, expiry or nonce.
    expectError(await vouched({ ...good, id: 2 }), 403, ErrorCode.InvalidIdentity);
    expectError(await vouched({ ...good, expiresAt: good.expiresAt - 1 }), 403, ErrorCode.InvalidIdentity);
    expectError(await vouched({ ...good, nonce: randomBytes(18).toString('base64url') }), 403, ErrorCode.InvalidIdentity);
    // Signed with another secret.
    expectError(await vouched(signCustomer('another-secret', 1)), 403, ErrorCode.InvalidIdentity);
    // Control: the untampered vouch (whose nonce none of the above spent) is accepted.
    expect((await vouched(good)).status).toBe(200);
    // Not hex of the right length, or the old shape without expiry and nonce: a malformed request.
    expectError(await vouched({ ...good, signature: 'abc' }), 400, ErrorCode.BadRequest);
    expectError(await vouched({ id: 1, signature: good.signature }), 400, ErrorCode.BadRequest);
  });

  it('refuses a replayed vouch: the second session with the same one is 403 invalid_identity', async () => {
    const v = signCustomer(SITE.identitySecret, 1);
    expect((await vouched(v)).status).toBe(200);
    expectError(await vouched(v), 403, ErrorCode.InvalidIdentity);
    expectError(await vouched({ ...v }), 403, ErrorCode.InvalidIdentity);
    // A fresh vouch for the same customer works.
    expect((await vouched(signCustomer(SITE.identitySecret, 1))).status).toBe(200);
  });

  it('refuses an expired vouch with 403 invalid_identity', async () => {
    expectError(await vouched(signCustomer(SITE.identitySecret, 1, Date.now() - 11 * 60_000)), 403, ErrorCode.InvalidIdentity);
    expectError(await vouched(forge({ id: 1, expiresAt: nowS() - 3600 })), 403, ErrorCode.InvalidIdentity);
  });

  it('refuses a vouch that expires more than 10 minutes ahead with 403 invalid_identity', async () => {
    expectError(await vouched(forge({ id: 1, expiresAt: nowS() + 20 * 60 })), 403, ErrorCode.InvalidIdentity);
    expectError(await vouched(forge({ id: 1, expiresAt: nowS() + 365 * 24 * 3600 })), 403, ErrorCode.InvalidIdentity);
    // Control: the longest allowed lifetime is accepted.
    expect((await vouched(forge({ id: 1, expiresAt: nowS() + MAX_VOUCH_SECONDS }))).status).toBe(200);
  });

  it('refuses a vouch signed for another site key with 403 invalid_identity', async () => {
    expectError(await vouched(forge({ id: 1, expiresAt: nowS() + 300, siteKey: 'another-shop' })), 403, ErrorCode.InvalidIdentity);
  });
});

describe('CORS', () => {
  const preflight = (path: string, origin: string) =>
    httpRequest(api(path), {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });

  it('answers a preflight from the allowed origin with Access-Control-Allow-Origin', async () => {
    for (const p of ['/shopper/session', '/rtc/credentials', '/realtime/ticket']) {
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
    for (const p of ['/shopper/session', '/rtc/credentials', '/realtime/ticket']) {
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

  const creds = (token: string, headers: Record<string, string> = {}) =>
    httpRequest(api('/rtc/credentials'), { method: 'POST', headers: { ...bearer(token), ...headers } });

  it('answers a shopper in no conversation with 404 conversation_not_found', async () => {
    const s = await shopperSession(stack.url);
    const res = await creds(s.token, { origin: SITE.origin });
    expectError(res, 404, ErrorCode.ConversationNotFound);
    expect(ErrorBody.parse(res.json).error.message).toMatch(/start a conversation first/i);
    // Connected to the realtime channel, but without a conversation: the same.
    const sock = await openRealtime(stack, s.token);
    expectError(await creds(s.token), 404, ErrorCode.ConversationNotFound);
    await sock.close();
  });

  it('gives a shopper in a live conversation a fresh s-<shopperId>- peer id each time, with a peer token and the PeerServer path', async () => {
    const s = await shopperSession(stack.url);
    const sock = await openRealtime(stack, s.token);
    const { conversation } = await startConversation(sock, startMessage());
    const res = await creds(s.token, { origin: SITE.origin });
    expect(res.status).toBe(200);
    const first = RtcCredentials.parse(res.json);
    expect(first.peerId).toMatch(new RegExp(`^s-${s.shopperId}-[0-9a-f]{18}$`));
    expect(first.peerToken).not.toBe(s.token);
    expect(first.peer).toEqual({ path: Paths.peer, key: Paths.peerKey });
    // Asking again (a reload): another id of the same shopper, and its own token.
    const again = RtcCredentials.parse((await creds(s.token)).json);
    expect(again.peerId).toMatch(new RegExp(`^s-${s.shopperId}-[0-9a-f]{18}$`));
    expect(again.peerId).not.toBe(first.peerId);
    expect(again.peerToken).not.toBe(first.peerToken);
    const peer = await openPeer(stack, again);
    await peer.close();

    // Once the conversation has ended there is nothing to connect: 404 again.
    sock.send({ type: 'conversation.end', conversationId: conversation.id });
    await sock.next('conversation.update', { where: (m) => m.conversation.endedAt !== null });
    expectError(await creds(s.token), 404, ErrorCode.ConversationNotFound);
    await sock.close();
  });

  it('gives an agent an a-<userId>- peer id, a fresh one on each call', async () => {
    const a = await login(stack.url, DEMO.alice);
    const first = RtcCredentials.parse((await creds(a.token)).json);
    expect(first.peerId.startsWith(`a-${a.user.id}-`)).toBe(true);
    const second = RtcCredentials.parse((await creds(a.token)).json);
    expect(second.peerId.startsWith(`a-${a.user.id}-`)).toBe(true);
    expect(second.peerId).not.toBe(first.peerId);
  });
});

describe('GET /api/conversations', () => {
  it('needs the supervisor role', async () => {
    expectError(await httpRequest(api('/conversations')), 401, ErrorCode.Unauthorized);
    const agent = await login(stack.url, DEMO.bob);
    expectError(await httpRequest(api('/conversations'), { headers: bearer(agent.token) }), 403, ErrorCode.Forbidden);
    const shopper = await shopperSession(stack.url);
    expectError(await httpRequest(api('/conversations'), { headers: bearer(shopper.token) }), 403, ErrorCode.Forbidden);
    const sam = await login(stack.url, DEMO.sam);
    const res = await httpRequest(api('/conversations'), { headers: bearer(sam.token) });
    expect(res.status).toBe(200);
    // Exactly the stored conversations (this file makes one, in the credentials tests), newest first.
    const stored: { id: string }[] = await stack.server.db('conversations').orderBy('requested_at', 'desc').select('id');
    expect(stored.length).toBeGreaterThan(0);
    expect(ConversationList.parse(res.json).conversations.map((c) => c.id)).toEqual(stored.map((c) => c.id));
  });

  it('answers an unknown conversation id with 404 conversation_not_found', async () => {
    const sam = await login(stack.url, DEMO.sam);
    expectError(await httpRequest(api('/conversations/no-such-conversation'), { headers: bearer(sam.token) }), 404, ErrorCode.ConversationNotFound);
  });

  it('shows a stored conversation to no agent who took no part in it, and to no shopper', async () => {
    const [stored] = await stack.server.db('conversations').select('id');
    const agent = await login(stack.url, DEMO.bob);
    // The same answer as for an unknown id: ids do not leak by probing.
    expectError(await httpRequest(api(`/conversations/${stored.id}`), { headers: bearer(agent.token) }), 404, ErrorCode.ConversationNotFound);
    const shopper = await shopperSession(stack.url);
    expectError(await httpRequest(api(`/conversations/${stored.id}`), { headers: bearer(shopper.token) }), 403, ErrorCode.Forbidden);
  });
});

describe('unknown routes', () => {
  it('answers an unknown /api route with a 404 JSON error', async () => {
    expectError(await httpRequest(api('/no/such/route')), 404, ErrorCode.NotFound);
    expectError(await httpRequest(api('/no-such-thing'), { method: 'POST', body: {} }), 404, ErrorCode.NotFound);
  });
});
