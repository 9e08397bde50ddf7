/**
 * Floods and exhaustion: one agent's burst does not fan out to supervisors; queued shoppers hear
 * only their own position changes; one token cannot open hundreds of sockets; and anonymous
 * shoppers that spend every budget still leave room for an agent to connect and take a call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, MediaKind, Presence, ShopperSessionResponse } from '../../protocol/index';
import { DEMO, SITE, login, rtcCredentials, shopperSession, waitFor, type Stack } from '../helpers/server';
import { connectPeer, openPeer, openRealtime, type RealtimeClient } from '../helpers/sockets';
import { expectHealthy, raw, startProcess } from './support';

type Srv = Awaited<ReturnType<typeof startProcess>>;
const asStack = (srv: Srv) => ({ url: srv.url, wsUrl: srv.url.replace(/^http/, 'ws') }) as Stack;
const request = { type: 'call.request', media: MediaKind.Video, context: { productId: null, pageUrl: 'http://shop.test/p?order_key=secret#x' } } as const;

describe('fan-out and queue updates', () => {
  let srv: Srv;
  beforeAll(async () => {
    // One address here: its share of the queue (a tenth) must hold the 40.
    srv = await startProcess({ QUEUE_MAX_PER_SITE: '400' });
  });
  afterAll(async () => {
    await srv?.cleanup();
  });

  it("an agent's burst of 3,000 messages reaches supervisors as a handful of updates", async () => {
    const sup = await openRealtime(srv.url, (await login(srv.url, DEMO.sam)).token);
    await sup.next('snapshot');
    const agent = await openRealtime(srv.url, (await login(srv.url, DEMO.alice)).token);
    for (let i = 0; i < 3000; i++) agent.send({ type: 'presence.set', presence: i % 2 ? Presence.Available : Presence.Away });
    await agent.closed; // cut for flooding
    await new Promise((r) => setTimeout(r, 300));
    const updates = sup.received.filter((m) => m.type === 'agent.update').length;
    // Only messages within the socket's rate budget are handled (30 burst): not 3,000.
    expect(updates).toBeLessThanOrEqual(40);
    await sup.close();
    await expectHealthy(srv);
  });

  it('40 queued shoppers: each hears its own position, and only when it changes', async () => {
    const shoppers: RealtimeClient[] = [];
    const callIds: string[] = [];
    for (let i = 0; i < 40; i++) {
      const rt = await openRealtime(srv.url, (await shopperSession(srv.url)).token);
      rt.send(request);
      const q = await rt.next('call.queued');
      expect(q).toMatchObject({ position: i + 1, agentAvailable: false });
      expect(Object.keys(q).sort()).toEqual(['agentAvailable', 'callId', 'position', 'type']);
      shoppers.push(rt);
      callIds.push(q.callId);
    }
    // Number 20 leaves: only the 20 behind them move up, each told once.
    shoppers[19]!.send({ type: 'call.hangup', callId: callIds[19]! });
    await shoppers[39]!.next('call.queued', { where: (m) => m.position === 39 });
    await new Promise((r) => setTimeout(r, 200));
    const total = shoppers.reduce((n, rt) => n + rt.received.filter((m) => m.type === 'call.queued').length, 0);
    expect(total).toBe(40 + 20);
    for (const rt of shoppers.slice(0, 19)) expect(rt.received.filter((m) => m.type === 'call.queued')).toHaveLength(1);
    for (const rt of shoppers) await rt.close();
    await expectHealthy(srv);
  });

  it('one token cannot hold hundreds of sockets', async () => {
    const token = (await login(srv.url, DEMO.bob)).token;
    const statuses: number[] = [];
    const open: RealtimeClient[] = [];
    for (let i = 0; i < 40; i++) {
      const t = await raw(`${srv.url}/api/realtime/ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      statuses.push(t.status);
      if (t.status !== 200) continue;
      try {
        open.push(await openRealtime(srv.url, token));
      } catch {
        // refused: the owner's socket cap
      }
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0); // tickets per owner per minute
    expect(open.filter((rt) => rt.ws.readyState === rt.ws.OPEN).length).toBeLessThanOrEqual(4);
    for (const rt of open) rt.ws.terminate();
    await expectHealthy(srv);
  });
});

describe('shopper capacity', () => {
  let srv: Srv;
  beforeAll(async () => {
    srv = await startProcess({ RATE_SESSION_PER_MINUTE: '30', MAX_PEERS: '12', STAFF_RESERVE: '4', QUEUE_MAX_PER_SITE: '50', TRUST_PROXY: '1' });
  });
  afterAll(async () => {
    await srv?.cleanup();
  });

  it('after anonymous shoppers spend every budget, an agent still connects and gets a call', async () => {
    const stack = asStack(srv);
    // 1. Sessions per address: 30 a minute, then 429.
    const results = await Promise.all(
      Array.from({ length: 45 }, () =>
        raw(`${srv.url}/api/shopper/session`, { headers: { 'content-type': 'application/json', origin: SITE.origin }, body: JSON.stringify({ siteKey: SITE.key }) }),
      ),
    );
    const ok = results.filter((r) => r.status === 200).map((r) => ShopperSessionResponse.parse(JSON.parse(r.body)));
    expect(ok).toHaveLength(30);
    expect(results.filter((r) => r.status === 429).every((r) => JSON.parse(r.body).error.code === ErrorCode.RateLimited)).toBe(true);

    // 2. A session without a call gets no peer id and no TURN credentials.
    const before = await raw(`${srv.url}/api/rtc/credentials`, { method: 'POST', headers: { authorization: `Bearer ${ok[0]!.token}` } });
    expect([before.status, JSON.parse(before.body).error.code]).toEqual([404, ErrorCode.CallNotFound]);

    // 3. Shoppers with live requests (from 12 networks: one network holds only a share of the
    //    queue) fill the PeerServer up to the shoppers' share (12 − 4 = 8).
    const peers: string[] = [];
    let refused = 0;
    for (let i = 0; i < 12; i++) {
      const made = await raw(`${srv.url}/api/shopper/session`, {
        headers: { 'content-type': 'application/json', origin: SITE.origin, 'x-forwarded-for': `198.51.100.${i + 1}` },
        body: JSON.stringify({ siteKey: SITE.key }),
      });
      const s = ShopperSessionResponse.parse(JSON.parse(made.body));
      const rt = await openRealtime(srv.url, s.token);
      rt.send(request);
      await rt.next('call.queued');
      const creds = await rtcCredentials(srv.url, s.token);
      const r = await connectPeer(stack, creds.peerId, creds.peerToken);
      if (r.kind === 'open') peers.push(creds.peerId);
      else if (r.kind === 'refused' && r.status === 503) refused++;
    }
    expect([peers.length, refused]).toEqual([8, 4]);

    // 4. The agent still gets in: realtime, a peer from the staff reserve, and the first request rings.
    const alice = await login(srv.url, DEMO.alice);
    const agent = await openRealtime(srv.url, alice.token);
    await openPeer(stack, await rtcCredentials(srv.url, alice.token));
    agent.send({ type: 'presence.set', presence: Presence.Available });
    const ring = await agent.next('call.ring');
    agent.send({ type: 'call.accept', callId: ring.callId, peerId: (await rtcCredentials(srv.url, alice.token)).peerId });
    await waitFor(async () => (agent.received.some((m) => m.type === 'call.connect') ? true : null), 'call.connect to the agent');
    await expectHealthy(srv);
  });

  it('the queue has a cap per site and a maximum wait, each with a clear message', async () => {
    const capped = await startProcess({ QUEUE_MAX_PER_SITE: '2', QUEUE_MAX_WAIT_MS: '800' });
    try {
      const rts: RealtimeClient[] = [];
      for (let i = 0; i < 3; i++) {
        const rt = await openRealtime(capped.url, (await shopperSession(capped.url)).token);
        rt.send(request);
        rts.push(rt);
      }
      await rts[0]!.next('call.queued');
      await rts[1]!.next('call.queued');
      expect(await rts[2]!.next('error')).toMatchObject({ code: ErrorCode.QueueFull });
      expect(await rts[0]!.next('call.ended', { timeoutMs: 3000 })).toMatchObject({ reason: 'queue_timeout', endedBy: 'system' });
      for (const rt of rts) await rt.close();
    } finally {
      await capped.cleanup();
    }
  });
});

/** The first `call.queued` or `error` received after index `from`. */
const answerAfter = (rt: RealtimeClient, from: number) =>
  waitFor(() => rt.received.slice(from).find((m) => m.type === 'call.queued' || m.type === 'error') ?? null, 'an answer to the request');

describe('per network and per session', () => {
  let srv: Srv;
  beforeAll(async () => {
    srv = await startProcess({ QUEUE_MAX_PER_SITE: '50' });
  });
  afterAll(async () => {
    await srv?.cleanup();
  });

  it('one network holds only a share of the queue, and one session only a few requests', async () => {
    const rts: RealtimeClient[] = [];
    const answers: string[] = [];
    // QUEUE_MAX_PER_SITE 50 → a network may hold 5 waiting requests.
    for (let i = 0; i < 6; i++) {
      const rt = await openRealtime(srv.url, (await shopperSession(srv.url)).token);
      const from = rt.received.length;
      rt.send(request);
      const m = await answerAfter(rt, from);
      answers.push(m.type === 'error' ? m.code : 'queued');
      if (m.type === 'call.queued') rts.push(rt);
      else await rt.close();
    }
    expect(answers).toEqual(['queued', 'queued', 'queued', 'queued', 'queued', ErrorCode.QueueFull]);
    for (const rt of rts) {
      rt.send({ type: 'call.hangup', callId: rt.received.find((m) => m.type === 'call.queued')!.callId });
      await rt.next('call.ended');
    }
    for (const rt of rts) await rt.close();

    // Request, hang up, request again…: 5 requests per session per 10 minutes.
    const churn = await openRealtime(srv.url, (await shopperSession(srv.url)).token);
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const from = churn.received.length;
      churn.send(request);
      const m = await answerAfter(churn, from);
      outcomes.push(m.type === 'error' ? m.code : 'queued');
      if (m.type === 'call.queued') {
        churn.send({ type: 'call.hangup', callId: m.callId });
        await churn.next('call.ended');
      }
    }
    expect(outcomes).toEqual(['queued', 'queued', 'queued', 'queued', 'queued', ErrorCode.RateLimited]);
    await churn.close();
    await expectHealthy(srv);
  });

  it("a shopper's peer token connects only while its call lives, and the call's end closes the peer", async () => {
    const stack = asStack(srv);
    const s = await shopperSession(srv.url);
    const rt = await openRealtime(srv.url, s.token);
    rt.send(request);
    const q = await rt.next('call.queued');
    const creds = await rtcCredentials(srv.url, s.token);
    const spare = await rtcCredentials(srv.url, s.token);
    const peer = await openPeer(stack, creds);
    rt.send({ type: 'call.hangup', callId: q.callId });
    await rt.next('call.ended');
    expect((await peer.closed).code).toBe(1000);
    expect(await connectPeer(stack, spare.peerId, spare.peerToken)).toEqual({ kind: 'refused', status: 401 });
    await rt.close();
  });

});

describe('client addresses behind a proxy', () => {
  const attempt = (srv: Srv, forwardedFor: string) =>
    raw(`${srv.url}/api/auth/login`, {
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ email: 'nobody@counterpart.test', password: 'x' }),
    }).then((r) => r.status);

  it('X-Forwarded-For is ignored unless TRUST_PROXY says a proxy is in front', async () => {
    for (const [trust, expected] of [
      // Untrusted: every request is the socket's address, whatever the header claims.
      ['0', [401, 401, 401, 429, 429, 429]],
      // One trusted proxy: each forwarded address has its own budget.
      ['1', [401, 401, 401, 401, 401, 401]],
    ] as const) {
      const srv = await startProcess({ TRUST_PROXY: trust, RATE_LOGIN_PER_MINUTE: '3' });
      try {
        const statuses: number[] = [];
        for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5', '203.0.113.6']) statuses.push(await attempt(srv, ip));
        expect([trust, statuses]).toEqual([trust, expected]);
      } finally {
        await srv.cleanup();
      }
    }
  });
});
