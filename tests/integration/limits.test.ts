import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationState, ErrorCode, QOS_INTERVAL_MS, type QosSample } from '../../protocol/index';
import { acceptOffer, agentConsole } from '../helpers/agents';
import { shopperInConversation } from '../helpers/conversations';
import { DEMO, SITE, signCustomer, delay, httpRequest, login, rtcCredentials, startStack, waitFor, type Stack } from '../helpers/server';
import { connectPeer, openPeer } from '../helpers/sockets';

const retryAfter = (res: { headers: Record<string, string | string[] | undefined> }) => Number(res.headers['retry-after']);

/** Abuse limits: sign-in and session rates, account lockout, live peers per owner, QoS sample rate. */
describe('rate limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RATE_LOGIN_PER_MINUTE: '3', RATE_SESSION_PER_MINUTE: '5' } });
  });
  afterAll(async () => stack?.close());

  it('answers the 4th sign-in attempt from one address within a minute with 429 rate_limited', async () => {
    // Three different accounts (no account reaches its lockout), then the right password: the
    // address's budget is spent whatever the account or the password.
    const attempt = (body: { email: string; password: string }) => httpRequest(`${stack.url}/api/auth/login`, { body });
    for (const email of [DEMO.alice.email, DEMO.bob.email, 'nobody@counterpart.test']) expect((await attempt({ email, password: 'wrong-password' })).status).toBe(401);
    const res = await attempt(DEMO.sam);
    expect(res.status).toBe(429);
    expect(res.json).toMatchObject({ error: { code: ErrorCode.RateLimited } });
    expect(retryAfter(res)).toBeGreaterThan(0);
    expect(retryAfter(res)).toBeLessThanOrEqual(60);
  });

  it('limits shopper sessions per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await httpRequest(`${stack.url}/api/shopper/session`, { headers: { origin: SITE.origin }, body: { siteKey: SITE.key } })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

describe('limits by client address behind a trusted proxy, per site and per account', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ shop: false, env: { TRUST_PROXY: '1', RATE_SESSION_PER_MINUTE: '2', RATE_SITE_SESSIONS_PER_MINUTE: '5' } });
  });
  afterAll(async () => stack?.close());

  const session = (from: string) =>
    httpRequest(`${stack.url}/api/shopper/session`, { headers: { origin: SITE.origin, 'x-forwarded-for': from }, body: { siteKey: SITE.key } });
  const signIn = (from: string, body: { email: string; password: string }) =>
    httpRequest(`${stack.url}/api/auth/login`, { headers: { 'x-forwarded-for': from }, body });

  it('limits shopper sessions per address (an IPv6 address by its /64) and per site, whatever the addresses', async () => {
    // Per address: the client's address as the trusted proxy names it.
    expect([(await session('198.51.100.1')).status, (await session('198.51.100.1')).status]).toEqual([200, 200]);
    const third = await session('198.51.100.1');
    expect(third.status).toBe(429);
    expect(third.json).toMatchObject({ error: { code: ErrorCode.RateLimited } });
    // Two addresses of one IPv6 /64 share a budget.
    expect((await session('2001:db8:1:2::a')).status).toBe(200);
    expect((await session('2001:db8:1:2:ffff::b')).status).toBe(200);
    expect((await session('2001:db8:1:2::c')).status).toBe(429);
    // Per site: 5 sessions a minute were given above (2 + 2 + the refused ones do not count)...
    expect((await session('198.51.100.2')).status).toBe(200);
    // ...so a fresh address is refused too: the site's budget is spent.
    const site = await session('198.51.100.3');
    expect(site.status).toBe(429);
    expect(site.json).toMatchObject({ error: { code: ErrorCode.RateLimited } });
    expect(retryAfter(site)).toBeGreaterThan(0);
    // A customer the shop vouches for is not shut out by strangers spending the site's budget.
    const vouched = await httpRequest(`${stack.url}/api/shopper/session`, {
      headers: { origin: SITE.origin, 'x-forwarded-for': '198.51.100.4' },
      body: { siteKey: SITE.key, customer: signCustomer(SITE.identitySecret, 1) },
    });
    expect(vouched.status).toBe(200);
  });

  it('locks an account on a network after more than 5 failed sign-ins there, even for the right password; other networks still sign in', async () => {
    const wrong = { email: DEMO.alice.email, password: 'wrong-password' };
    for (let i = 0; i < 6; i++) expect((await signIn('203.0.113.7', wrong)).status, `failed attempt ${i + 1}`).toBe(401);
    // A stranger's guesses do not lock the agent out of the office.
    expect((await signIn('203.0.113.50', DEMO.alice)).status).toBe(200);
    for (const [from, body] of [
      ['203.0.113.7', DEMO.alice],
      ['203.0.113.7', { email: ' ALICE@counterpart.test ', password: DEMO.alice.password }],
    ] as const) {
      const res = await signIn(from, body);
      expect({ status: res.status, body: res.json }).toMatchObject({ status: 429, body: { error: { code: ErrorCode.AccountLocked } } });
      expect(retryAfter(res)).toBeGreaterThan(0);
      expect(retryAfter(res)).toBeLessThanOrEqual(60);
    }
    // Other accounts are not affected.
    expect((await signIn('203.0.113.1', DEMO.bob)).status).toBe(200);
  });

  it('locks an account everywhere after more than 50 failures an hour spread over many networks', async () => {
    const wrong = { email: DEMO.bob.email, password: 'wrong-password' };
    for (let i = 0; i < 51; i++) expect((await signIn(`198.18.${Math.floor(i / 5)}.${i % 5}`, wrong)).status, `failure ${i + 1}`).toBe(401);
    const res = await signIn('192.0.2.200', DEMO.bob);
    expect({ status: res.status, body: res.json }).toMatchObject({ status: 429, body: { error: { code: ErrorCode.AccountLocked } } });
  });

  it('clears the failure count on a successful sign-in', async () => {
    const wrong = { email: DEMO.sam.email, password: 'wrong-password' };
    for (let i = 0; i < 5; i++) expect((await signIn('192.0.2.1', wrong)).status).toBe(401);
    expect((await signIn('192.0.2.1', DEMO.sam)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await signIn('192.0.2.1', wrong)).status).toBe(401);
    expect((await signIn('192.0.2.1', DEMO.sam)).status).toBe(200);
  });
});

describe('per-owner and per-conversation limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { MAX_PEERS_PER_OWNER: '2' } });
  });
  afterAll(async () => stack?.close());

  it('lets one owner hold at most MAX_PEERS_PER_OWNER live peers, and frees a place when one closes', async () => {
    const { token } = await login(stack.url, DEMO.bob);
    const creds = await Promise.all([1, 2, 3].map(() => rtcCredentials(stack.url, token)));
    const first = await openPeer(stack, creds[0]!);
    await openPeer(stack, creds[1]!);
    expect(await connectPeer(stack, creds[2]!.peerId, creds[2]!.peerToken)).toMatchObject({ kind: 'refused', status: 429 });
    await first.close();
    const third = await waitFor(async () => {
      const r = await connectPeer(stack, creds[2]!.peerId, creds[2]!.peerToken);
      return r.kind === 'open' ? r : null;
    }, 'a freed place');
    await third.socket.close();
  });

  it('stores at most one QoS sample per party per half interval', async () => {
    const agent = await agentConsole(stack, DEMO.alice);
    const shopper = await shopperInConversation(stack);
    const id = shopper.conversationId;
    await acceptOffer(agent, id);
    // Samples are taken while a media session runs (a video conversation starts one on accept).
    await shopper.rt.next('conversation.update', { where: (m) => m.conversation.media !== null });

    const sample: QosSample = { rttMs: 20, jitterMs: 2, lossPct: 0, bitrateKbps: 800, localCandidate: 'host', remoteCandidate: 'host' };
    const count = async () => Number(((await stack.server.db('conversation_qos').where({ conversation_id: id }).count({ n: '*' })) as [{ n: number }])[0].n);
    for (let i = 0; i < 20; i++) shopper.rt.send({ type: 'qos.sample', conversationId: id, sample });
    await waitFor(async () => ((await count()) >= 1 ? true : null), 'the first sample stored');
    await delay(200);
    expect(await count()).toBe(1);
    // The other party's samples have their own budget.
    agent.rt.send({ type: 'qos.sample', conversationId: id, sample });
    await waitFor(async () => ((await count()) === 2 ? true : null), 'the agent’s sample stored');
    await delay(QOS_INTERVAL_MS / 2);
    shopper.rt.send({ type: 'qos.sample', conversationId: id, sample });
    await waitFor(async () => ((await count()) === 3 ? true : null), 'the next interval’s sample stored');
    const rows: { from_role: string; from_id: string }[] = await stack.server.db('conversation_qos').where({ conversation_id: id }).select('from_role', 'from_id');
    expect(rows.map((r) => `${r.from_role}:${r.from_id}`).sort()).toEqual([`agent:${agent.id}`, `shopper:${shopper.shopperId}`, `shopper:${shopper.shopperId}`]);
    agent.rt.send({ type: 'conversation.end', conversationId: id });
    await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
    await Promise.all([agent.rt.close(), shopper.rt.close()]);
  });
});
