import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentState, ErrorCode, MediaKind, Presence, QOS_INTERVAL_MS, type QosSample } from '../../protocol/index';
import { DEMO, SITE, delay, httpRequest, login, rtcCredentials, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { connectPeer, openPeer, openRealtime } from '../helpers/sockets';

/** Abuse limits: sign-in and session rates, live peers per owner, QoS sample rate. */
describe('rate limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RATE_LOGIN_PER_MINUTE: '3', RATE_SESSION_PER_MINUTE: '5' } });
  });
  afterAll(async () => stack?.close());

  it('answers the 4th sign-in attempt within a minute with 429 rate_limited', async () => {
    const attempt = () => httpRequest(`${stack.url}/api/auth/login`, { body: { email: DEMO.alice.email, password: 'wrong-password' } });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const res = await attempt();
    expect(res.status).toBe(429);
    expect(res.json).toMatchObject({ error: { code: ErrorCode.RateLimited } });
  });

  it('limits shopper sessions per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await httpRequest(`${stack.url}/api/shopper/session`, { headers: { origin: SITE.origin }, body: { siteKey: SITE.key } })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

describe('per-owner and per-call limits', () => {
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
    const alice = await login(stack.url, DEMO.alice);
    const agentRt = await openRealtime(stack, alice.token);
    agentRt.send({ type: 'presence.set', presence: Presence.Available });
    await agentRt.next('agent.self', { where: (m) => m.state === AgentState.Available });
    const shopper = await shopperSession(stack.url);
    const shopperRt = await openRealtime(stack, shopper.token);
    const peer = await rtcCredentials(stack.url, shopper.token);
    shopperRt.send({ type: 'call.request', media: MediaKind.Video, peerId: peer.peerId, context: { productId: null, pageUrl: 'http://shop.test/' } });
    const ring = await agentRt.next('call.ring');
    agentRt.send({ type: 'call.accept', callId: ring.callId, peerId: (await rtcCredentials(stack.url, alice.token)).peerId });
    await shopperRt.next('call.connect');

    const sample: QosSample = { rttMs: 20, jitterMs: 2, lossPct: 0, bitrateKbps: 800, localCandidate: 'host', remoteCandidate: 'host' };
    const count = async () => Number(((await stack.server.db('qos_samples').where({ call_id: ring.callId }).count({ n: '*' })) as [{ n: number }])[0].n);
    for (let i = 0; i < 20; i++) shopperRt.send({ type: 'qos.sample', callId: ring.callId, sample });
    await waitFor(async () => ((await count()) >= 1 ? true : null), 'the first sample stored');
    await delay(200);
    expect(await count()).toBe(1);
    await delay(QOS_INTERVAL_MS / 2);
    shopperRt.send({ type: 'qos.sample', callId: ring.callId, sample });
    await waitFor(async () => ((await count()) === 2 ? true : null), 'the next interval’s sample stored');
    agentRt.send({ type: 'call.hangup', callId: ring.callId });
    await shopperRt.next('call.ended');
    await Promise.all([agentRt.close(), shopperRt.close()]);
  });
});
