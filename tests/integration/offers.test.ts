/**
 * Offers to agents, end to end on a real server: longest idle first, the next agent after a
 * decline, a ring timeout or an agent gone; what supervisors see (snapshot, agent.update,
 * conversation.update, qos.update); the stored record with every offer and timestamp; the
 * agent's shop context.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentState,
  ConversationContext,
  ConversationList,
  ConversationRecord,
  ConversationState,
  EndReason,
  EndedBy,
  ErrorCode,
  MediaEndReason,
  MediaKind,
  MediaPath,
  ParticipantState,
  Presence,
  RingEndReason,
  Role,
  type QosSample,
} from '../../protocol/index';
import { openDatabase } from '../../server/src/db/index';
import { createUser, seedDemoUsers } from '../../server/src/db/seed';
import { acceptOffer, agentConsole, joinMedia, type AgentConsole } from '../helpers/agents';
import { shopperInConversation, startMessage } from '../helpers/conversations';
import { expectError } from '../helpers/expect';
import { DEMO, bearer, delay, httpRequest, login, rtcCredentials, startStack, waitFor, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

const RING_TIMEOUT_MS = 1500;
const CAROL = { email: 'carol@counterpart.test', password: 'carol-test-pass', name: 'Carol Diaz' };
const SAMPLE: QosSample = { rttMs: 12, jitterMs: 1.5, lossPct: 0, bitrateKbps: 900, localCandidate: 'host', remoteCandidate: 'host' };

let stack: Stack;
let supervisorToken: string;

beforeAll(async () => {
  stack = await startStack({
    // One missed ring sets an agent away here (the default, two in a row, is tested in routing.test.ts).
    env: { RING_TIMEOUT_MS: String(RING_TIMEOUT_MS), MISSED_RINGS_AWAY: '1' },
    // A third agent, created before the server starts (it loads its agents at startup).
    prepare: async (dataDir) => {
      const db = await openDatabase(`${dataDir}/counterpart.sqlite`);
      try {
        await seedDemoUsers(db);
        await createUser(db, { email: CAROL.email, name: CAROL.name, role: Role.Agent, password: CAROL.password });
      } finally {
        await db.destroy();
      }
    },
  });
  supervisorToken = (await login(stack.url, DEMO.sam)).token;
});

const sockets: RealtimeClient[] = [];
const track = (c: RealtimeClient) => void sockets.push(c);
async function rt(token: string): Promise<RealtimeClient> {
  const c = await openRealtime(stack, token);
  track(c);
  return c;
}
/** Every test leaves every console closed and no live conversation (closed sockets end them after the grace). */
afterEach(async () => {
  for (const c of sockets) expect(c.invalid, 'frames that are not valid ServerMessages').toEqual([]);
  await Promise.all(sockets.splice(0).map((c) => c.close()));
  await waitFor(() => (stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'no live conversations left', 4000);
});
afterAll(async () => stack?.close());

const agent = (user: { email: string; password: string }, presence: Presence.Available | Presence.Away = Presence.Available) =>
  agentConsole(stack, user, presence, track);

async function shopper(opts: Parameters<typeof shopperInConversation>[1] = {}) {
  const s = await shopperInConversation(stack, opts);
  track(s.rt);
  return s;
}

async function getRecord(id: string, token = supervisorToken): Promise<ConversationRecord> {
  const res = await httpRequest(`${stack.url}/api/conversations/${id}`, { headers: bearer(token) });
  expect(res.status).toBe(200);
  return ConversationRecord.parse(res.json);
}

/** The stored record once the conversation has ended and every offer has an outcome. */
const endedRecord = (id: string): Promise<ConversationRecord> =>
  waitFor(async () => {
    const r = await getRecord(id);
    return r.endedAt && r.offers.every((o) => o.outcome !== null) ? r : null;
  }, `the stored end of conversation ${id}`);

const t = (iso: string | null | undefined): number => {
  expect(iso).toBeTruthy();
  return Date.parse(iso!);
};

describe('a video conversation from request to hang-up', () => {
  it('offers the longest idle agent, moves on after a decline and a ring timeout, connects, and records everything', async () => {
    const sup = await rt(supervisorToken);
    const snapshot = await sup.next('snapshot');
    expect(snapshot.agents.map((a) => a.email).sort()).toEqual([DEMO.alice.email, DEMO.bob.email, CAROL.email].sort());
    expect(snapshot.agents.every((a) => a.state === AgentState.Offline)).toBe(true);
    expect(snapshot.conversations).toEqual([]);

    // Bob is available first, so he has been idle longest.
    const bob = await agent(DEMO.bob);
    const alice = await agent(DEMO.alice);
    await sup.next('agent.update', { where: (m) => m.agent.id === alice.id && m.agent.state === AgentState.Available });

    // A signed-in customer asks about a product: exactly one agent is offered it, with the shop context.
    const s = await shopper({ customerId: 1, start: startMessage({ productId: 103, pageUrl: 'http://shop.test/products/oak-serving-board?key=wc_order_x#top' }) });
    const id = s.conversationId;
    const offer1 = await bob.rt.next('offer');
    expect(offer1).toMatchObject({ conversationId: id, channel: MediaKind.Video, preview: [], timeoutMs: RING_TIMEOUT_MS });
    expect(offer1.product).toMatchObject({ id: 103, name: 'Oak Serving Board' });
    expect(offer1.customer).toMatchObject({ id: 1, name: 'Anna Schmidt' });
    await alice.rt.expectNone('offer', 300);
    await s.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Offered });
    await sup.next('conversation.update', { where: (m) => m.conversation.id === id && m.conversation.state === ConversationState.Offered });
    await sup.next('agent.update', { where: (m) => m.agent.id === bob.id && m.agent.state === AgentState.Ringing });
    // A shopper in a live conversation may hold a peer: the server mints its id.
    expect((await rtcCredentials(stack.url, s.token)).peerId.startsWith(`s-${s.shopperId}-`)).toBe(true);

    // Decline → the next agent.
    bob.rt.send({ type: 'offer.decline', conversationId: id });
    expect(await bob.rt.next('offer.end')).toEqual({ type: 'offer.end', conversationId: id, reason: RingEndReason.Declined });
    const offer2 = await alice.rt.next('offer');
    expect(offer2.conversationId).toBe(id);
    expect(offer2.product?.name).toBe('Oak Serving Board');
    await s.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Offered });

    // Alice lets it ring out → she is set away; nobody else → the shopper waits in the queue.
    expect(await alice.rt.next('offer.end', { timeoutMs: RING_TIMEOUT_MS + 3000 })).toEqual({ type: 'offer.end', conversationId: id, reason: RingEndReason.Timeout, setAway: true });
    await alice.rt.next('agent.self', { where: (m) => m.state === AgentState.Away && m.presence === Presence.Away });
    // agentAvailable: whether any agent's presence is available — bob's is (though he declined this one).
    expect(await s.rt.next('conversation.queued')).toEqual({ type: 'conversation.queued', conversationId: id, position: 1, agentAvailable: true, expectedWaitMs: expect.any(Number) });
    await sup.next('agent.update', { where: (m) => m.agent.id === alice.id && m.agent.state === AgentState.Away });
    // Bob declined it: he is not offered it again (RING_RETRY_AFTER_MS is 30 s here).
    await bob.rt.expectNone('offer', 300);

    // An agent becoming available is offered it.
    const carol = await agent(CAROL);
    expect((await carol.rt.next('offer')).conversationId).toBe(id);
    carol.rt.send({ type: 'offer.accept', conversationId: id });
    expect(await carol.rt.next('offer.end')).toEqual({ type: 'offer.end', conversationId: id, reason: RingEndReason.Accepted });
    const active = await s.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Active });
    expect(active.conversation.participants.map((p) => [p.party, p.state])).toEqual([
      [{ role: Role.Shopper, id: s.shopperId }, ParticipantState.Connected],
      [{ role: Role.Agent, id: String(carol.id) }, ParticipantState.Connected],
    ]);
    expect(active.conversation).toMatchObject({ customerName: 'Anna Schmidt', productName: 'Oak Serving Board', media: { kind: MediaKind.Video, connectedAt: null } });
    await carol.rt.next('agent.self', { where: (m) => m.state === AgentState.Busy });
    await sup.next('agent.update', { where: (m) => m.agent.id === carol.id && m.agent.state === AgentState.Busy });
    await sup.next('conversation.update', { where: (m) => m.conversation.id === id && m.conversation.state === ConversationState.Active });

    // The agent's context: customer, product and the customer's latest order, from the shop.
    const ctxRes = await httpRequest(`${stack.url}/api/conversations/${id}/context`, { headers: bearer(carol.token) });
    expect(ctxRes.status).toBe(200);
    const context = ConversationContext.parse(ctxRes.json);
    expect(context).toMatchObject({ conversationId: id, product: { name: 'Oak Serving Board' }, customer: { name: 'Anna Schmidt' }, latestOrder: { id: 1010 } });
    // Not for an agent outside it (bob was only offered it), nor for the shopper.
    expectError(await httpRequest(`${stack.url}/api/conversations/${id}/context`, { headers: bearer(bob.token) }), 404, ErrorCode.ConversationNotFound);
    expectError(await httpRequest(`${stack.url}/api/conversations/${id}/context`, { headers: bearer(s.token) }), 403, ErrorCode.Forbidden);

    // Both join the media session; the later one (the agent) places the call.
    const shopperMedia = await joinMedia(stack, s, id);
    expect(shopperMedia.peers.peers).toEqual([]);
    const agentMedia = await joinMedia(stack, carol, id);
    expect(agentMedia.peers.peers).toEqual([expect.objectContaining({ party: { role: Role.Shopper, id: s.shopperId }, peerId: shopperMedia.creds.peerId, placeCall: true })]);
    const toShopper = await s.rt.next('media.peers', { where: (m) => m.peers.length === 1 });
    expect(toShopper.peers).toEqual([{ party: { role: Role.Agent, id: String(carol.id) }, name: CAROL.name, peerId: agentMedia.creds.peerId, placeCall: false }]);

    // Media flows; both ends report QoS; supervisors see who sent each sample.
    carol.rt.send({ type: 'media.path', conversationId: id, path: MediaPath.Flowing });
    s.rt.send({ type: 'media.path', conversationId: id, path: MediaPath.Flowing });
    await sup.next('conversation.update', { where: (m) => m.conversation.id === id && m.conversation.media?.connectedAt != null });
    carol.rt.send({ type: 'qos.sample', conversationId: id, sample: SAMPLE });
    s.rt.send({ type: 'qos.sample', conversationId: id, sample: { ...SAMPLE, rttMs: 20, localCandidate: 'srflx' } });
    const fromAgent = await sup.next('qos.update', { where: (m) => m.from.role === Role.Agent });
    expect(fromAgent).toMatchObject({ conversationId: id, from: { role: Role.Agent, id: String(carol.id) }, sample: SAMPLE });
    const fromShopper = await sup.next('qos.update', { where: (m) => m.from.role === Role.Shopper });
    expect(fromShopper).toMatchObject({ conversationId: id, from: { role: Role.Shopper, id: s.shopperId }, sample: { rttMs: 20, localCandidate: 'srflx' } });
    // A party outside the conversation cannot report on it.
    bob.rt.send({ type: 'qos.sample', conversationId: id, sample: SAMPLE });
    expect(await bob.rt.next('error')).toMatchObject({ code: ErrorCode.ConversationNotFound, conversationId: id });

    // The agent hangs up → everyone hears it; the agent is free again.
    carol.rt.send({ type: 'conversation.end', conversationId: id });
    for (const c of [carol.rt, s.rt, sup]) {
      const ended = await c.next('conversation.update', { where: (m) => m.conversation.id === id && m.conversation.state === ConversationState.Closed });
      expect(ended.conversation).toMatchObject({ endedBy: EndedBy.Agent, endReason: EndReason.Hangup, media: null });
    }
    await carol.rt.next('agent.self', { where: (m) => m.state === AgentState.Available });

    // The stored record has every step.
    const rec = await endedRecord(id);
    expect(rec).toMatchObject({
      id,
      state: ConversationState.Closed,
      channel: MediaKind.Video,
      customerId: 1,
      customerName: 'Anna Schmidt',
      productId: 103,
      productName: 'Oak Serving Board',
      pageUrl: 'http://shop.test/products/oak-serving-board',
      endedBy: EndedBy.Agent,
      endReason: EndReason.Hangup,
    });
    expect(rec.participants.map((p) => [p.party.role, p.state])).toEqual([
      [Role.Shopper, ParticipantState.Left],
      [Role.Agent, ParticipantState.Left],
    ]);
    expect(rec.mediaSessions).toHaveLength(1);
    expect(rec.mediaSessions[0]).toMatchObject({ kind: MediaKind.Video, endReason: MediaEndReason.ConversationEnded });
    const times = [rec.requestedAt, rec.offeredAt, rec.answeredAt, rec.mediaSessions[0]!.connectedAt, rec.endedAt].map(t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(rec.qosSamples).toBe(2);
    expect(rec.offers.map((o) => [o.agentId, o.outcome])).toEqual([
      [bob.id, RingEndReason.Declined],
      [alice.id, RingEndReason.Timeout],
      [carol.id, RingEndReason.Accepted],
    ]);
    for (const o of rec.offers) expect(t(o.startedAt)).toBeLessThanOrEqual(t(o.endedAt));
    // The conversation shows in the supervisor's list.
    const list = await httpRequest(`${stack.url}/api/conversations`, { headers: bearer(supervisorToken) });
    expect(ConversationList.parse(list.json).conversations.map((c) => c.id)).toContain(id);
    // An agent may read a conversation it took part in, not one it was only offered.
    expect((await getRecord(id, carol.token)).id).toBe(id);
    expectError(await httpRequest(`${stack.url}/api/conversations/${id}`, { headers: bearer(bob.token) }), 404, ErrorCode.ConversationNotFound);
  });
});

/** The one of these consoles that is offered this conversation (consuming its offer). */
async function offeredOne(consoles: AgentConsole[], id: string): Promise<AgentConsole> {
  const isOffered = (a: AgentConsole) => a.rt.received.some((m) => m.type === 'offer' && m.conversationId === id);
  const who = await waitFor(() => consoles.find(isOffered) ?? null, `an offer of ${id}`);
  await who.rt.next('offer', { where: (m) => m.conversationId === id });
  expect(consoles.filter(isOffered)).toEqual([who]);
  return who;
}

describe('routing', () => {
  it('offers the next conversation to the agent who became free first (longest idle)', async () => {
    const consoles = [await agent(DEMO.alice), await agent(DEMO.bob)];
    const carol = await agent(CAROL, Presence.Away);
    const s1 = await shopper({ start: startMessage({ channel: MediaKind.Chat }) });
    const first = await offeredOne(consoles, s1.conversationId);
    first.rt.send({ type: 'offer.accept', conversationId: s1.conversationId });
    await first.rt.next('agent.self', { where: (m) => m.state === AgentState.Busy });
    // The one agent still free is offered the next one.
    const s2 = await shopper({ start: startMessage({ channel: MediaKind.Chat }) });
    const second = await offeredOne(consoles, s2.conversationId);
    expect(second).not.toBe(first);
    second.rt.send({ type: 'offer.accept', conversationId: s2.conversationId });
    await second.rt.next('agent.self', { where: (m) => m.state === AgentState.Busy });
    // The second finishes first, then the first: now the second has been idle longer.
    second.rt.send({ type: 'conversation.end', conversationId: s2.conversationId });
    await second.rt.next('agent.self', { where: (m) => m.state === AgentState.Available });
    await delay(5); // two ends in one millisecond would tie
    first.rt.send({ type: 'conversation.end', conversationId: s1.conversationId });
    await first.rt.next('agent.self', { where: (m) => m.state === AgentState.Available });

    const s3 = await shopper({ start: startMessage({ channel: MediaKind.Chat }) });
    expect(await offeredOne([...consoles, carol], s3.conversationId)).toBe(second);
    s3.rt.send({ type: 'conversation.end', conversationId: s3.conversationId });
    const cancelled = await second.rt.next('offer.end', { where: (m) => m.conversationId === s3.conversationId });
    expect(cancelled).toEqual({ type: 'offer.end', conversationId: s3.conversationId, reason: RingEndReason.Cancelled });
  });

  it('cancels the offer when the shopper ends while it rings, and records the conversation as abandoned', async () => {
    const alice = await agent(DEMO.alice);
    const s = await shopper();
    const offer = await alice.rt.next('offer');
    expect(offer.conversationId).toBe(s.conversationId);
    s.rt.send({ type: 'conversation.end', conversationId: s.conversationId });
    expect(await alice.rt.next('offer.end')).toEqual({ type: 'offer.end', conversationId: s.conversationId, reason: RingEndReason.Cancelled });
    const ended = await s.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
    expect(ended.conversation).toMatchObject({ endedBy: EndedBy.Shopper, endReason: EndReason.Abandoned, answeredAt: null });
    await alice.rt.next('agent.self', { where: (m) => m.state === AgentState.Available });
    // Too late to accept.
    alice.rt.send({ type: 'offer.accept', conversationId: s.conversationId });
    expect(await alice.rt.next('error')).toMatchObject({ code: ErrorCode.ConversationNotFound, conversationId: s.conversationId });

    const rec = await endedRecord(s.conversationId);
    expect(rec).toMatchObject({ state: ConversationState.Abandoned, answeredAt: null, mediaSessions: [] });
    expect(rec.offeredAt).not.toBeNull();
    expect(rec.offers.map((o) => [o.agentId, o.outcome])).toEqual([[alice.id, RingEndReason.Cancelled]]);
    expect(rec.participants.map((p) => p.party.role)).toEqual([Role.Shopper]);
  });

  it('offers the next agent when the one offered closes the console or goes away', async () => {
    const consoles = [await agent(DEMO.alice), await agent(DEMO.bob), await agent(CAROL)];
    const s = await shopper({ start: startMessage({ channel: MediaKind.Chat }) });
    const id = s.conversationId;
    // The first one offered closes the console: the offer goes to another agent.
    const gone = await offeredOne(consoles, id);
    await gone.rt.close();
    const left = consoles.filter((a) => a !== gone);
    const away = await offeredOne(left, id);
    // That one sets away while it rings: the offer ends for it, the last agent gets it.
    away.rt.send({ type: 'presence.set', presence: Presence.Away });
    expect(await away.rt.next('offer.end')).toEqual({ type: 'offer.end', conversationId: id, reason: RingEndReason.AgentAway });
    await away.rt.next('agent.self', { where: (m) => m.state === AgentState.Away });
    const last = left.find((a) => a !== away)!;
    await acceptOffer(last, id);
    // Only offered agents may accept or decline.
    away.rt.send({ type: 'offer.accept', conversationId: id });
    expect(await away.rt.next('error')).toMatchObject({ code: ErrorCode.NotOffered, conversationId: id });
    s.rt.send({ type: 'conversation.end', conversationId: id });
    const rec = await endedRecord(id);
    expect(rec.offers.map((o) => [o.agentId, o.outcome])).toEqual([
      [gone.id, RingEndReason.AgentGone],
      [away.id, RingEndReason.AgentAway],
      [last.id, RingEndReason.Accepted],
    ]);
    expect(rec).toMatchObject({ state: ConversationState.Closed, endedBy: EndedBy.Shopper, endReason: EndReason.Hangup });
  });
});
