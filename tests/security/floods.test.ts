/**
 * Floods and exhaustion: one agent's burst does not fan out to supervisors; queued shoppers hear
 * only their own position changes; one token cannot open hundreds of sockets; and anonymous
 * shoppers that spend every budget still leave room for an agent to connect and take a
 * conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationState, EndReason, EndedBy, ErrorCode, MediaKind, Presence, ShopperSessionResponse, type ServerMessageOf } from '../../protocol/index';
import { startMessage } from '../helpers/conversations';
import { DEMO, SITE, login, rtcCredentials, shopperSession, waitFor } from '../helpers/server';
import { connectPeer, openPeer, openRealtime, type RealtimeClient } from '../helpers/sockets';
import { asStack, expectHealthy, raw, staffOnline, startProcess } from './support';

type Srv = Awaited<ReturnType<typeof startProcess>>;
const start = startMessage({ channel: MediaKind.Video, pageUrl: 'http://shop.test/p?order_key=secret#x' });
/** The id of the conversation a shopper's socket started (from the `conversation.sync` that answered it). */
const conversationOf = (rt: RealtimeClient) => rt.received.find((m) => m.type === 'conversation.sync')!.conversation.id;
/** Ends a shopper's conversation and waits until it is told so. */
async function hangUp(rt: RealtimeClient, conversationId: string): Promise<void> {
  rt.send({ type: 'conversation.end', conversationId });
  await rt.next('conversation.update', { where: (m) => m.conversation.id === conversationId && m.conversation.state === ConversationState.Abandoned });
}

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
    const ids: string[] = [];
    const queued = (rt: RealtimeClient) => rt.received.filter((m): m is ServerMessageOf<'conversation.queued'> => m.type === 'conversation.queued');
    for (let i = 0; i < 40; i++) {
      const rt = await openRealtime(srv.url, (await shopperSession(srv.url)).token);
      rt.send(start);
      const { conversation } = await rt.next('conversation.sync');
      const q = await rt.next('conversation.queued');
      expect(q).toMatchObject({ conversationId: conversation.id, position: i + 1, agentAvailable: false });
      // Where it stands, nothing about the others.
      expect(Object.keys(q).sort()).toEqual(['agentAvailable', 'conversationId', 'expectedWaitMs', 'position', 'type']);
      shoppers.push(rt);
      ids.push(q.conversationId);
    }
    // Number 20 leaves: only the 20 behind them move up, each told once.
    await hangUp(shoppers[19]!, ids[19]!);
    await shoppers[39]!.next('conversation.queued', { where: (m) => m.position === 39 });
    await new Promise((r) => setTimeout(r, 200));
    // Nobody was told anything about another shopper's conversation.
    for (const [i, rt] of shoppers.entries()) expect(queued(rt).every((m) => m.conversationId === ids[i])).toBe(true);
    // The 19 ahead of the one who left were told their position once.
    for (const [i, rt] of shoppers.slice(0, 19).entries()) expect(queued(rt).map((m) => m.position)).toEqual([i + 1]);
    const total = shoppers.reduce((n, rt) => n + queued(rt).length, 0);
    expect(total).toBe(40 + 20);
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

  it('after anonymous shoppers spend every budget, an agent still connects and takes a conversation', async () => {
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

    // 2. A session without a conversation gets no peer id and no TURN credentials.
    const before = await raw(`${srv.url}/api/rtc/credentials`, { method: 'POST', headers: { authorization: `Bearer ${ok[0]!.token}` } });
    expect([before.status, JSON.parse(before.body).error.code]).toEqual([404, ErrorCode.ConversationNotFound]);

    // 3. Shoppers with live conversations (from 12 networks: one network holds only a share of the
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
      rt.send(start);
      await rt.next('conversation.queued');
      const creds = await rtcCredentials(srv.url, s.token);
      const r = await connectPeer(stack, creds.peerId, creds.peerToken);
      if (r.kind === 'open') peers.push(creds.peerId);
      else if (r.kind === 'refused' && r.status === 503) refused++;
    }
    expect([peers.length, refused]).toEqual([8, 4]);

    // 4. The agent still gets in: realtime, a peer from the staff reserve, and the oldest conversation is offered.
    const alice = await login(srv.url, DEMO.alice);
    const agent = await openRealtime(srv.url, alice.token);
    const agentPeer = await rtcCredentials(srv.url, alice.token);
    await openPeer(stack, agentPeer);
    agent.send({ type: 'presence.set', presence: Presence.Available });
    const offer = await agent.next('offer');
    agent.send({ type: 'offer.accept', conversationId: offer.conversationId });
    const active = await agent.next('conversation.update', { where: (m) => m.conversation.id === offer.conversationId && m.conversation.state === ConversationState.Active });
    expect(active.conversation.media?.kind).toBe(MediaKind.Video);
    agent.send({ type: 'media.join', conversationId: offer.conversationId, peerId: agentPeer.peerId });
    await agent.next('media.peers', { where: (m) => m.conversationId === offer.conversationId });
    await expectHealthy(srv);
  });

  it('the queue has a cap per site and a maximum wait, each with a clear message', async () => {
    const capped = await startProcess({ QUEUE_MAX_PER_SITE: '2', QUEUE_MAX_WAIT_MS: '800' });
    try {
      const rts: RealtimeClient[] = [];
      for (let i = 0; i < 3; i++) {
        const rt = await openRealtime(capped.url, (await shopperSession(capped.url)).token);
        rt.send(start);
        rts.push(rt);
      }
      await rts[0]!.next('conversation.queued');
      await rts[1]!.next('conversation.queued');
      expect(await rts[2]!.next('error')).toMatchObject({ code: ErrorCode.QueueFull });
      const ended = await rts[0]!.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.TimedOut, timeoutMs: 3000 });
      expect(ended.conversation).toMatchObject({ endReason: EndReason.QueueTimeout, endedBy: EndedBy.System });
      for (const rt of rts) await rt.close();
    } finally {
      await capped.cleanup();
    }
  });
});

/** The first `conversation.sync` or `error` received after index `from`. */
const answerAfter = (rt: RealtimeClient, from: number) =>
  waitFor(() => rt.received.slice(from).find((m) => m.type === 'conversation.sync' || m.type === 'error') ?? null, 'an answer to conversation.start');

describe('per network and per session', () => {
  let srv: Srv;
  beforeAll(async () => {
    srv = await startProcess({ QUEUE_MAX_PER_SITE: '50' });
  });
  afterAll(async () => {
    await srv?.cleanup();
  });

  it('one network holds only a share of the queue, and one session only a few conversations', async () => {
    const rts: RealtimeClient[] = [];
    const answers: string[] = [];
    // QUEUE_MAX_PER_SITE 50 → a network may hold 5 waiting conversations.
    for (let i = 0; i < 6; i++) {
      const rt = await openRealtime(srv.url, (await shopperSession(srv.url)).token);
      const from = rt.received.length;
      rt.send(start);
      const m = await answerAfter(rt, from);
      answers.push(m.type === 'error' ? m.code : m.conversation.state);
      if (m.type === 'conversation.sync') rts.push(rt);
      else await rt.close();
    }
    expect(answers).toEqual(['queued', 'queued', 'queued', 'queued', 'queued', ErrorCode.QueueFull]);
    for (const rt of rts) await hangUp(rt, conversationOf(rt));
    for (const rt of rts) await rt.close();

    // Start, hang up, start again…: 5 conversations per session per 10 minutes.
    const churn = await openRealtime(srv.url, (await shopperSession(srv.url)).token);
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const from = churn.received.length;
      churn.send(start);
      const m = await answerAfter(churn, from);
      outcomes.push(m.type === 'error' ? m.code : m.conversation.state);
      if (m.type === 'conversation.sync') await hangUp(churn, m.conversation.id);
    }
    expect(outcomes).toEqual(['queued', 'queued', 'queued', 'queued', 'queued', ErrorCode.RateLimited]);
    await churn.close();
    await expectHealthy(srv);
  });

  it("a shopper's peers live only as long as its conversation: the end closes them and spare tokens connect nothing", async () => {
    const stack = asStack(srv);
    const agent = await staffOnline(srv.url, DEMO.alice);
    const s = await shopperSession(srv.url);
    const rt = await openRealtime(srv.url, s.token);
    rt.send(start);
    const offer = await agent.rt.next('offer');
    agent.rt.send({ type: 'offer.accept', conversationId: offer.conversationId });
    await rt.next('conversation.update', { where: (m) => m.conversation.media !== null });
    const joined = await rtcCredentials(srv.url, s.token);
    const opened = await rtcCredentials(srv.url, s.token);
    const spare = await rtcCredentials(srv.url, s.token);
    const joinedPeer = await openPeer(stack, joined);
    // A peer the page opened but never joined to the media session (a reload mid-setup).
    const openedPeer = await openPeer(stack, opened);
    rt.send({ type: 'media.join', conversationId: offer.conversationId, peerId: joined.peerId });
    await rt.next('media.peers');
    rt.send({ type: 'conversation.end', conversationId: offer.conversationId });
    await rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
    expect((await joinedPeer.closed).code).toBe(1000);
    expect(await connectPeer(stack, spare.peerId, spare.peerToken)).toEqual({ kind: 'refused', status: 401 });
    // Every peer of the shopper goes with the conversation, not only the one it joined with.
    const cut = await Promise.race([openedPeer.closed.then((c) => c.code), new Promise((r) => setTimeout(() => r('still open'), 3000))]);
    expect(cut, 'a peer opened for the conversation but never joined').toBe(1000);
    await rt.close();
    await agent.rt.close();
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
