import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentState,
  CallContext,
  CallRecord,
  CallState,
  EndReason,
  EndedBy,
  ErrorCode,
  MediaKind,
  Presence,
  RingEndReason,
  Role,
  type ClientMessageOf,
  type QosSample,
  type RtcCredentials,
} from '../../protocol/index';
import { openDatabase } from '../../server/src/db/index';
import { createUser, seedDemoUsers } from '../../server/src/db/seed';
import { DEMO, httpRequest, login, rtcCredentials, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { callRequest, requestCall } from '../helpers/calls';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

const RING_TIMEOUT_MS = 1500;
const CAROL = { email: 'carol@counterpart.test', password: 'carol-test-pass', name: 'Carol Diaz' };


let stack: Stack;
let supervisorToken: string;

beforeAll(async () => {
  stack = await startStack({
    env: { RING_TIMEOUT_MS: String(RING_TIMEOUT_MS) },
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
async function rt(token: string): Promise<RealtimeClient> {
  const c = await openRealtime(stack, token);
  sockets.push(c);
  return c;
}
/** Every test leaves every agent offline and every call ended (sockets closed → calls end after the grace). */
afterEach(async () => {
  for (const c of sockets) expect(c.invalid, 'frames that are not valid ServerMessages').toEqual([]);
  await Promise.all(sockets.splice(0).map((c) => c.close()));
  await waitFor(() => (stack.server.calls.snapshot().calls.length === 0 ? true : null), 'no live calls left', 3000);
});
afterAll(async () => {
  await stack?.close();
});

async function agent(user: { email: string; password: string }): Promise<{ id: number; name: string; token: string; rt: RealtimeClient; creds: RtcCredentials }> {
  const l = await login(stack.url, user);
  const c = await rt(l.token);
  await c.next('agent.self');
  return { id: l.user.id, name: l.user.name, token: l.token, rt: c, creds: await rtcCredentials(stack.url, l.token) };
}

async function available(a: { rt: RealtimeClient }): Promise<void> {
  a.rt.send({ type: 'presence.set', presence: Presence.Available });
  await a.rt.next('agent.self', { where: (m) => m.presence === Presence.Available && m.state === AgentState.Available });
}

/** A shopper on the realtime channel, before any request (so without peer credentials yet). */
async function shopper(customerId?: number): Promise<{ shopperId: string; token: string; rt: RealtimeClient }> {
  const s = await shopperSession(stack.url, customerId === undefined ? {} : { customerId });
  return { shopperId: s.shopperId, token: s.token, rt: await rt(s.token) };
}

/** The request carries no peer id: the server mints the shopper's with the call. */
function request(productId: number | null = null): ClientMessageOf<'call.request'> {
  return callRequest({ productId, pageUrl: 'http://shop.test/products/oak-serving-board' });
}

async function getRecord(id: string): Promise<CallRecord> {
  const res = await httpRequest(`${stack.url}/api/calls/${id}`, { headers: { authorization: `Bearer ${supervisorToken}` } });
  expect(res.status).toBe(200);
  return CallRecord.parse(res.json);
}

/** The stored record once the (background) end-of-call write has landed. */
function endedRecord(id: string): Promise<CallRecord> {
  return waitFor(async () => {
    const r = await getRecord(id);
    return r.endedAt && r.ringAttempts.every((a) => a.outcome !== null) ? r : null;
  }, `the stored end of call ${id}`);
}

const t = (iso: string | null): number => {
  expect(iso).not.toBeNull();
  return Date.parse(iso!);
};

const SAMPLE: QosSample = { rttMs: 12, jitterMs: 1.5, lossPct: 0, bitrateKbps: 900, localCandidate: 'host', remoteCandidate: 'host' };

describe('a call from request to hang-up', () => {
  it('rings one agent, moves on after a decline and a timeout, queues, connects, and records everything', async () => {
    const sup = await rt(supervisorToken);
    const snapshot = await sup.next('snapshot');
    expect(snapshot.agents.map((a) => a.email).sort()).toEqual([DEMO.alice.email, DEMO.bob.email, CAROL.email].sort());
    expect(snapshot.agents.every((a) => a.state === AgentState.Offline)).toBe(true);

    const alice = await agent(DEMO.alice);
    const bob = await agent(DEMO.bob);
    await available(alice);
    await available(bob);
    await sup.next('agent.update', { where: (m) => m.agent.id === bob.id && m.agent.state === AgentState.Available });

    // Request with a product and a signed-in customer: exactly one agent rings, with the product.
    const s = await shopper(1);
    s.rt.send(request(103));
    const first = await waitFor(
      () => (alice.rt.received.some((m) => m.type === 'call.ring') ? alice : bob.rt.received.some((m) => m.type === 'call.ring') ? bob : null),
      'a call.ring at alice or bob',
    );
    const second = first === alice ? bob : alice;
    const ring1 = await first.rt.next('call.ring');
    expect(ring1.product).toMatchObject({ id: 103, name: 'Oak Serving Board' });
    expect(ring1.customer).toMatchObject({ id: 1, name: 'Anna Schmidt' });
    expect(ring1.media).toBe(MediaKind.Video);
    expect(ring1.timeoutMs).toBe(RING_TIMEOUT_MS);
    const callId = ring1.callId;
    expect(await s.rt.next('call.ringing')).toEqual({ type: 'call.ringing', callId });
    // With the request, the server minted the shopper's peer id: the credentials name it.
    const sCreds = await rtcCredentials(stack.url, s.token);
    expect(sCreds.peerId.startsWith(`s-${s.shopperId}-`)).toBe(true);
    await second.rt.expectNone('call.ring', 300);
    await sup.next('call.update', { where: (m) => m.call.id === callId && m.call.state === CallState.Ringing });

    // Decline → the other agent rings.
    first.rt.send({ type: 'call.decline', callId });
    expect(await first.rt.next('call.ring.end')).toEqual({ type: 'call.ring.end', callId, reason: RingEndReason.Declined });
    const ring2 = await second.rt.next('call.ring');
    expect(ring2.callId).toBe(callId);
    expect(ring2.product?.name).toBe('Oak Serving Board');
    await s.rt.next('call.ringing');

    // The other lets it ring out → away; nobody left → the shopper is queued.
    expect(await second.rt.next('call.ring.end', { timeoutMs: RING_TIMEOUT_MS + 3000 })).toEqual({ type: 'call.ring.end', callId, reason: RingEndReason.Timeout });
    await second.rt.next('agent.self', { where: (m) => m.state === AgentState.Away && m.presence === Presence.Away });
    const queued = await s.rt.next('call.queued');
    // agentAvailable says whether any agent's presence is available: the one who declined is
    // (though already tried for this request); the one who timed out is away now.
    expect(queued).toEqual({ type: 'call.queued', callId, position: 1, agentAvailable: true });
    await sup.next('agent.update', { where: (m) => m.agent.id === second.id && m.agent.state === AgentState.Away });
    // The agent who declined is not rung again for this request.
    await first.rt.expectNone('call.ring', 300);

    // An agent becoming available rings.
    const carol = await agent(CAROL);
    await available(carol);
    const ring3 = await carol.rt.next('call.ring');
    expect(ring3.callId).toBe(callId);
    await s.rt.next('call.ringing');

    // Accept → both connect; the agent places the PeerJS call.
    carol.rt.send({ type: 'call.accept', callId, peerId: carol.creds.peerId });
    expect(await carol.rt.next('call.ring.end')).toEqual({ type: 'call.ring.end', callId, reason: RingEndReason.Accepted });
    expect(await carol.rt.next('call.connect')).toEqual({
      type: 'call.connect',
      callId,
      remotePeerId: sCreds.peerId,
      remoteName: 'Anna Schmidt',
      placeCall: true,
    });
    expect(await s.rt.next('call.connect')).toEqual({ type: 'call.connect', callId, remotePeerId: carol.creds.peerId, remoteName: CAROL.name, placeCall: false });
    await carol.rt.next('agent.self', { where: (m) => m.state === AgentState.Busy });
    await sup.next('agent.update', { where: (m) => m.agent.id === carol.id && m.agent.state === AgentState.Busy });
    await sup.next('call.update', { where: (m) => m.call.id === callId && m.call.state === CallState.Connecting && m.call.agentId === carol.id });

    // The agent's call context: customer, product and the customer's latest order, from the shop.
    const ctxRes = await httpRequest(`${stack.url}/api/calls/${callId}/context`, { headers: { authorization: `Bearer ${carol.token}` } });
    expect(ctxRes.status).toBe(200);
    const context = CallContext.parse(ctxRes.json);
    expect(context.product?.name).toBe('Oak Serving Board');
    expect(context.customer?.name).toBe('Anna Schmidt');
    expect(context.latestOrder?.id).toBe(1010);
    // Another agent does not see it.
    expect((await httpRequest(`${stack.url}/api/calls/${callId}/context`, { headers: { authorization: `Bearer ${first.token}` } })).status).toBe(404);

    // Media flows; both ends report QoS.
    carol.rt.send({ type: 'call.media', callId });
    s.rt.send({ type: 'call.media', callId });
    await sup.next('call.update', { where: (m) => m.call.id === callId && m.call.state === CallState.Active && m.call.mediaAt !== null });
    carol.rt.send({ type: 'qos.sample', callId, sample: SAMPLE });
    s.rt.send({ type: 'qos.sample', callId, sample: { ...SAMPLE, rttMs: 20, localCandidate: 'srflx' } });
    expect((await sup.next('qos.update', { where: (m) => m.from === Role.Agent })).sample).toEqual(SAMPLE);
    expect((await sup.next('qos.update', { where: (m) => m.from === Role.Shopper })).sample.rttMs).toBe(20);
    // A party outside the call cannot report on it.
    first.rt.send({ type: 'qos.sample', callId, sample: SAMPLE });
    expect(await first.rt.next('error')).toMatchObject({ code: ErrorCode.CallNotFound, callId });

    // The agent hangs up → both ends hear it.
    carol.rt.send({ type: 'call.hangup', callId });
    const ended = { type: 'call.ended', callId, endedBy: EndedBy.Agent, reason: EndReason.Hangup };
    expect(await carol.rt.next('call.ended')).toEqual(ended);
    expect(await s.rt.next('call.ended')).toEqual(ended);
    await carol.rt.next('agent.self', { where: (m) => m.state === AgentState.Available });
    await sup.next('call.update', { where: (m) => m.call.id === callId && m.call.state === CallState.Ended && m.call.endedBy === EndedBy.Agent });

    // The stored record has every step.
    const rec = await endedRecord(callId);
    expect(rec).toMatchObject({
      id: callId,
      state: 'ended',
      media: MediaKind.Video,
      agentId: carol.id,
      customerId: 1,
      customerName: 'Anna Schmidt',
      productId: 103,
      productName: 'Oak Serving Board',
      endedBy: EndedBy.Agent,
      endReason: EndReason.Hangup,
    });
    const times = [rec.requestedAt, rec.ringingAt, rec.answeredAt, rec.mediaAt, rec.endedAt].map(t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(rec.qosSamples).toBeGreaterThanOrEqual(2);
    expect(rec.ringAttempts.map((a) => [a.agentId, a.outcome])).toEqual([
      [first.id, RingEndReason.Declined],
      [second.id, RingEndReason.Timeout],
      [carol.id, RingEndReason.Accepted],
    ]);
    for (const a of rec.ringAttempts) expect(t(a.startedAt)).toBeLessThanOrEqual(t(a.endedAt));
    // The call shows in the supervisor's list.
    const list = await httpRequest(`${stack.url}/api/calls`, { headers: { authorization: `Bearer ${supervisorToken}` } });
    expect(JSON.stringify(list.json)).toContain(callId);
    // An agent may read its own call's record but not another agent's.
    expect((await httpRequest(`${stack.url}/api/calls/${callId}`, { headers: { authorization: `Bearer ${carol.token}` } })).status).toBe(200);
    expect((await httpRequest(`${stack.url}/api/calls/${callId}`, { headers: { authorization: `Bearer ${first.token}` } })).status).toBe(404);
  });
});

describe('edge cases of the realtime channel', () => {
  it('records a call the shopper hangs up while queued as abandoned', async () => {
    const s = await shopper();
    s.rt.send(request());
    const queued = await s.rt.next('call.queued');
    expect(queued).toEqual({ type: 'call.queued', callId: queued.callId, position: 1, agentAvailable: false });
    s.rt.send({ type: 'call.hangup', callId: queued.callId });
    expect(await s.rt.next('call.ended')).toEqual({ type: 'call.ended', callId: queued.callId, endedBy: EndedBy.Shopper, reason: EndReason.Abandoned });
    const rec = await endedRecord(queued.callId);
    expect(rec).toMatchObject({ state: 'ended', endedBy: EndedBy.Shopper, endReason: EndReason.Abandoned, agentId: null, answeredAt: null, ringingAt: null, ringAttempts: [] });
  });

  it('tells a queued shopper its place only when it changes (no repeated call.queued)', async () => {
    const s1 = await shopper();
    const s2 = await shopper();
    s1.rt.send(request());
    const q1 = await s1.rt.next('call.queued');
    expect(q1).toEqual({ type: 'call.queued', callId: q1.callId, position: 1, agentAvailable: false });
    s2.rt.send(request());
    const q2 = await s2.rt.next('call.queued');
    expect(q2).toEqual({ type: 'call.queued', callId: q2.callId, position: 2, agentAvailable: false });
    // Someone joining behind s1 does not change s1's place: s1 is not told again.
    await s1.rt.expectNone('call.queued', 300);

    // An agent signs in and sets away: the queue is looked at again, but nothing changed for anyone.
    const a = await agent(DEMO.alice);
    a.rt.send({ type: 'presence.set', presence: Presence.Away });
    await a.rt.next('agent.self', { where: (m) => m.presence === Presence.Away });
    await Promise.all([s1.rt.expectNone('call.queued', 300), s2.rt.expectNone('call.queued', 0)]);

    // s1 leaves: s2 moves up, and is told.
    s1.rt.send({ type: 'call.hangup', callId: q1.callId });
    await s1.rt.next('call.ended');
    expect(await s2.rt.next('call.queued')).toEqual({ type: 'call.queued', callId: q2.callId, position: 1, agentAvailable: false });

    // The agent becomes available and declines: s2 waits again, now with an agent available.
    await available(a);
    const ring = await a.rt.next('call.ring');
    expect(ring.callId).toBe(q2.callId);
    await s2.rt.next('call.ringing');
    a.rt.send({ type: 'call.decline', callId: q2.callId });
    expect(await s2.rt.next('call.queued')).toEqual({ type: 'call.queued', callId: q2.callId, position: 1, agentAvailable: true });

    // A new request rings the agent (not tried for it); s2's place and news are the same: no message.
    const s3 = await shopper();
    s3.rt.send(request());
    const ring3 = await a.rt.next('call.ring');
    await s3.rt.next('call.ringing');
    await s2.rt.expectNone('call.queued', 300);
    s3.rt.send({ type: 'call.hangup', callId: ring3.callId });
    await s3.rt.next('call.ended');
    await s2.rt.expectNone('call.queued', 300);

    s2.rt.send({ type: 'call.hangup', callId: q2.callId });
    await s2.rt.next('call.ended');
    expect(s2.rt.received.filter((m) => m.type === 'call.queued')).toHaveLength(3);
  });

  it('decides the shopper’s peer id itself: no credentials before a request, then only the call’s id', async () => {
    const a = await agent(DEMO.alice);
    const other = await shopper();
    const s = await shopper();
    // No request yet: no peer id to prove (404 call_not_found).
    for (const who of [s, other]) {
      const res = await httpRequest(`${stack.url}/api/rtc/credentials`, { method: 'POST', headers: { authorization: `Bearer ${who.token}` } });
      expect({ status: res.status, body: res.json }).toMatchObject({ status: 404, body: { error: { code: ErrorCode.CallNotFound } } });
    }
    const otherCall = await requestCall(other.rt, request());
    const otherCreds = await rtcCredentials(stack.url, other.token);
    // A request naming someone else's peer id (the old protocol's field) cannot choose it: the
    // field is not part of the request, and the server mints the id for the shopper.
    s.rt.sendRaw(JSON.stringify({ ...request(), peerId: otherCreds.peerId }));
    const { callId } = await s.rt.next('call.queued');
    const mine = await rtcCredentials(stack.url, s.token);
    expect(mine.peerId.startsWith(`s-${s.shopperId}-`)).toBe(true);
    for (const foreign of [otherCreds.peerId, a.creds.peerId]) expect(mine.peerId).not.toBe(foreign);
    // Always the same id for this call, the one stored with it.
    expect((await rtcCredentials(stack.url, s.token)).peerId).toBe(mine.peerId);
    const rows = await waitFor(async () => {
      const r: { id: string; shopper_peer_id: string }[] = await stack.server.db('calls').whereIn('id', [callId, otherCall.callId]).select('id', 'shopper_peer_id');
      return r.length === 2 ? r : null;
    }, 'both calls stored');
    expect(Object.fromEntries(rows.map((r) => [r.id, r.shopper_peer_id]))).toEqual({ [callId]: mine.peerId, [otherCall.callId]: otherCreds.peerId });
    for (const [who, id] of [[s, callId], [other, otherCall.callId]] as const) {
      who.rt.send({ type: 'call.hangup', callId: id });
      await who.rt.next('call.ended');
    }
    expect(s.rt.received.filter((m) => m.type === 'error')).toEqual([]);
  });

  it('refuses a second call.request from the same shopper (call_already_requested)', async () => {
    const s = await shopper();
    s.rt.send(request());
    const queued = await s.rt.next('call.queued');
    const creds = await rtcCredentials(stack.url, s.token);
    s.rt.send(request());
    expect(await s.rt.next('error')).toMatchObject({ code: ErrorCode.CallAlreadyRequested });
    expect(stack.server.calls.snapshot().calls.map((c) => c.id)).toEqual([queued.callId]);
    // The refused request did not mint another peer id.
    expect((await rtcCredentials(stack.url, s.token)).peerId).toBe(creds.peerId);
    s.rt.send({ type: 'call.hangup', callId: queued.callId });
    await s.rt.next('call.ended');
  });

  it('answers an unknown message type and an invalid message with bad_request and stays open', async () => {
    const s = await shopper();
    s.rt.sendRaw(JSON.stringify({ type: 'call.teleport', callId: 'x' }));
    // A message that does not parse is answered without echoing any of its fields.
    const unknown = await s.rt.next('error');
    expect(unknown).toMatchObject({ type: 'error', code: ErrorCode.BadRequest });
    expect(unknown).not.toHaveProperty('callId');
    s.rt.sendRaw(JSON.stringify({ type: 'call.request', media: 'hologram', context: { productId: null, pageUrl: '' } }));
    expect(await s.rt.next('error')).toMatchObject({ code: ErrorCode.BadRequest });
    s.rt.sendRaw('42');
    expect(await s.rt.next('error')).toMatchObject({ code: ErrorCode.BadRequest });
    // Still open and working.
    s.rt.send(request());
    const queued = await s.rt.next('call.queued');
    s.rt.send({ type: 'call.hangup', callId: queued.callId });
    await s.rt.next('call.ended');
  });

  it('answers a frame that is not JSON (or is JSON null) with bad_request and stays open', async () => {
    const s = await shopper();
    for (const raw of ['{not json', 'null']) {
      s.rt.sendRaw(raw);
      expect({ raw, msg: await s.rt.next('error', { timeoutMs: 2000 }).catch((e: Error) => e.message) }).toMatchObject({
        raw,
        msg: { type: 'error', code: ErrorCode.BadRequest },
      });
    }
    expect(s.rt.ws.readyState).toBe(s.rt.ws.OPEN);
    s.rt.send(request());
    const queued = await s.rt.next('call.queued');
    s.rt.send({ type: 'call.hangup', callId: queued.callId });
    await s.rt.next('call.ended');
  });

  it('lets a shopper who drops before an answer be recorded as abandoned after the reconnect grace', async () => {
    const s = await shopper();
    s.rt.send(request());
    const queued = await s.rt.next('call.queued');
    await s.rt.close();
    const rec = await endedRecord(queued.callId);
    expect(rec).toMatchObject({ endedBy: EndedBy.Shopper, endReason: EndReason.Abandoned });
  });
});
