import fs from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentState, ConversationState, ErrorCode, MAX_SIGNAL_BYTES, RealtimeTicket, Role, TICKET_TTL_SECONDS, type RtcCredentials } from '../../protocol/index';
import { agentConsole, type AgentConsole } from '../helpers/agents';
import { shopperInConversation, startConversation, startMessage } from '../helpers/conversations';
import { DEMO, httpRequest, login, rtcCredentials, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import {
  connectPeer,
  openPeer,
  openRealtime,
  openRealtimeWithTicket,
  realtimeRefusal,
  realtimeTicket,
  type PeerSocket,
  type RealtimeClient,
  watchUncaught,
} from '../helpers/sockets';

/** How long a message that must not be relayed is given to arrive anyway. */
const QUIET_MS = 1000;

let stack: Stack;
let secret: string;
beforeAll(async () => {
  stack = await startStack();
  secret = fs.readFileSync(path.join(stack.dataDir, 'jwt-secret'), 'utf8').trim();
});
afterAll(async () => {
  await stack?.close();
});

/** Sockets a test opened, and shopper conversations it started: closed and ended after it, so none waits for the agents of the next. */
const open: { close(): Promise<unknown> }[] = [];
const liveConversations: { rt: RealtimeClient; conversationId: string }[] = [];
afterEach(async () => {
  for (const { rt, conversationId } of liveConversations.splice(0)) {
    const live = stack.server.conversations.snapshot().conversations.some((c) => c.id === conversationId);
    if (!live || rt.ws.readyState !== rt.ws.OPEN) continue;
    rt.send({ type: 'conversation.end', conversationId });
    await rt.next('conversation.update', { where: (m) => m.conversation.id === conversationId && m.conversation.endedAt !== null, timeoutMs: 2000 }).catch(() => {});
  }
  await Promise.all(open.splice(0).map((s) => s.close()));
});
function track<T extends { close(): Promise<unknown> }>(s: T): T {
  open.push(s);
  return s;
}

async function peerToken(key: string, claims: { sub: string; owner: string; aud?: string; exp: number }): Promise<string> {
  return new SignJWT({ owner: claims.owner })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('counterpart')
    .setAudience(claims.aud ?? 'peer')
    .setSubject(claims.sub)
    .setIssuedAt(claims.exp - 3600)
    .setExpirationTime(claims.exp)
    .sign(new TextEncoder().encode(key));
}

/** How often the server counted a refusal of this kind (dropped frames, refused upgrades). */
const refusals = (kind: string): number => stack.server.refusals.totals.get(kind) ?? 0;

type ShopperPeer = { token: string; shopperId: string; creds: RtcCredentials; rt: RealtimeClient; conversationId: string };

/**
 * A shopper with PeerJS credentials: those exist, and connect, only while the shopper is in a live
 * conversation, so it starts one (a video conversation, waiting in the queue) and keeps it.
 */
async function shopperCreds(): Promise<ShopperPeer> {
  const s = await shopperInConversation(stack);
  track(s.rt);
  liveConversations.push({ rt: s.rt, conversationId: s.conversationId });
  return { token: s.token, shopperId: s.shopperId, creds: await rtcCredentials(stack.url, s.token), rt: s.rt, conversationId: s.conversationId };
}

function offer(from: RtcCredentials, to: string, sdp = 'v=0 test offer'): { type: string; dst: string; payload: unknown } {
  return { type: 'OFFER', dst: to, payload: { sdp: { type: 'offer', sdp }, type: 'media', connectionId: `mc_${from.peerId.slice(-6)}` } };
}

describe('PeerServer: who may connect', () => {
  it('accepts a peer token issued for exactly that id (PeerJS OPEN)', async () => {
    const { creds } = await shopperCreds();
    const r = await connectPeer(stack, creds.peerId, creds.peerToken);
    expect(r.kind).toBe('open');
    if (r.kind !== 'open') return;
    track(r.socket);
    expect(await r.socket.next('OPEN')).toEqual({ type: 'OPEN' });
  });

  it('lets a shopper’s peer connect only while the shopper is in a live conversation', async () => {
    const s = await shopperSession(stack.url);
    const rt = track(await openRealtime(stack, s.token));
    const creds = () => httpRequest(`${stack.url}/api/rtc/credentials`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } });
    expect((await creds()).json).toMatchObject({ error: { code: ErrorCode.ConversationNotFound } });
    const { conversation } = await startConversation(rt, startMessage());
    const mine = await rtcCredentials(stack.url, s.token);
    await (await openPeer(stack, mine)).close();
    rt.send({ type: 'conversation.end', conversationId: conversation.id });
    await rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
    expect((await creds()).status).toBe(404);
    // Its peer token has not expired, but the shopper is in no conversation now: refused before any socket.
    const before = refusals('signaling.no_conversation');
    expect(await connectPeer(stack, mine.peerId, mine.peerToken)).toEqual({ kind: 'refused', status: 401 });
    expect(refusals('signaling.no_conversation') - before).toBe(1);
  });

  it('refuses another peer’s id, forged, expired, wrong-audience and missing tokens with HTTP 401', async () => {
    const a = await shopperCreds();
    const b = await shopperCreds();
    const now = Math.floor(Date.now() / 1000);
    const owner = `shopper:${b.shopperId}`;
    const attempts: [string, string, string | null][] = [
      ['token of A used with id B', b.creds.peerId, a.creds.peerToken],
      ['forged: signed with another secret', b.creds.peerId, await peerToken('x'.repeat(64), { sub: b.creds.peerId, owner, exp: now + 3600 })],
      ['expired peer token signed with the server secret', b.creds.peerId, await peerToken(secret, { sub: b.creds.peerId, owner, exp: now - 60 })],
      ['a shopper session token, not a peer token', b.creds.peerId, b.token],
      ['server-signed, audience staff', b.creds.peerId, await peerToken(secret, { sub: b.creds.peerId, owner, aud: 'staff', exp: now + 3600 })],
      ['garbage token', b.creds.peerId, 'not.a.jwt'],
      ['no token', b.creds.peerId, null],
    ];
    const refusedBefore = refusals('signaling.unauthorized');
    for (const [what, id, token] of attempts) {
      const r = await connectPeer(stack, id, token);
      if (r.kind === 'open') {
        track(r.socket);
        const frame = await r.socket.next('OPEN', { timeoutMs: 500 }).catch(() => null);
        expect.fail(`${what}: the upgrade was accepted${frame ? ' and PeerJS said OPEN' : ''}`);
      }
      expect({ what, r }).toEqual({ what, r: { kind: 'refused', status: 401 } });
    }
    expect(refusals('signaling.unauthorized') - refusedBefore).toBe(attempts.length);
    // Control: the same server-signed construction, unexpired, is accepted.
    const fresh = await peerToken(secret, { sub: b.creds.peerId, owner, exp: now + 3600 });
    track(await openPeer(stack, { peerId: b.creds.peerId, peerToken: fresh }));
  });

  it('does not let a second socket take over a connected id without its token', async () => {
    const a = await shopperCreds();
    const other = await shopperCreds();
    const sockA = track(await openPeer(stack, a.creds));
    const now = Math.floor(Date.now() / 1000);
    for (const token of [null, other.creds.peerToken, await peerToken('y'.repeat(64), { sub: a.creds.peerId, owner: `shopper:${a.shopperId}`, exp: now + 600 })]) {
      const r = await connectPeer(stack, a.creds.peerId, token);
      if (r.kind === 'open') track(r.socket);
      expect(r).toEqual({ kind: 'refused', status: 401 });
    }
    // A is still the one registered under its id: nothing closed it or told it the id is taken.
    const quiet = await Promise.race([sockA.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 300))]);
    expect(quiet).toBe('open');
    expect(sockA.frames.map((f) => f.type)).toEqual(['OPEN']);
  });
});

type LiveConversation = {
  conversationId: string;
  agent: AgentConsole;
  agentCreds: RtcCredentials;
  shopper: ShopperPeer;
  agentPeer: PeerSocket;
  shopperPeer: PeerSocket;
};
type Stage = 'queued' | 'accepted' | 'shopper joined';

/**
 * A video conversation whose two peers are connected to the PeerServer from the start (while it
 * waits in the queue), then accepted, then joined to its media session by the shopper and the
 * agent. `before` runs at each stage before both have joined: they may not signal each other yet.
 */
async function liveConversation(user: { email: string; password: string }, before?: (stage: Stage, c: Omit<LiveConversation, 'agent'>) => Promise<void>): Promise<LiveConversation> {
  // No agent of an earlier test may still take the request.
  await waitFor(() => (stack.server.conversations.snapshot().agents.every((a) => a.state === AgentState.Offline) ? true : null), 'every agent offline');
  const agentLogin = await login(stack.url, user);
  const agentCreds = await rtcCredentials(stack.url, agentLogin.token);
  const shopper = await shopperCreds();
  expect(await shopper.rt.next('conversation.queued')).toMatchObject({ conversationId: shopper.conversationId, agentAvailable: false });
  const agentPeer = track(await openPeer(stack, agentCreds));
  const shopperPeer = track(await openPeer(stack, shopper.creds));
  const c = { conversationId: shopper.conversationId, agentCreds, shopper, agentPeer, shopperPeer };
  await before?.('queued', c);

  const agent = await agentConsole(stack, user, undefined, track);
  const offer = await agent.rt.next('offer');
  expect(offer.conversationId).toBe(shopper.conversationId);
  agent.rt.send({ type: 'offer.accept', conversationId: offer.conversationId });
  await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Active && m.conversation.media !== null });
  await before?.('accepted', c);

  shopper.rt.send({ type: 'media.join', conversationId: c.conversationId, peerId: shopper.creds.peerId });
  await shopper.rt.next('media.peers');
  await before?.('shopper joined', c);
  agent.rt.send({ type: 'media.join', conversationId: c.conversationId, peerId: agentCreds.peerId });
  expect((await agent.rt.next('media.peers', { where: (m) => m.peers.length === 1 })).peers[0]!.peerId).toBe(shopper.creds.peerId);
  expect((await shopper.rt.next('media.peers', { where: (m) => m.peers.length === 1 })).peers[0]!.peerId).toBe(agentCreds.peerId);
  return { ...c, agent };
}

async function endConversation(c: LiveConversation): Promise<void> {
  c.agent.rt.send({ type: 'conversation.end', conversationId: c.conversationId });
  await c.shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
  expect(c.agent.rt.invalid).toEqual([]);
  expect(c.shopper.rt.invalid).toEqual([]);
}

describe('PeerServer: who may signal whom', () => {
  it('relays an OFFER only between two peers that joined the same running media session', async () => {
    // A peer outside the conversation: bob's (bob has no console, so no request is offered to him).
    const intruder = { creds: await rtcCredentials(stack.url, (await login(stack.url, DEMO.bob)).token) };
    const intruderPeer = track(await openPeer(stack, intruder.creds));

    const refusedBefore = refusals('signaling.refused_by_policy');
    const c = await liveConversation(DEMO.alice, async (stage, { agentCreds, shopper, agentPeer, shopperPeer }) => {
      // Negative while queued, accepted, and joined by one side only: the pair is not in one media session yet.
      shopperPeer.send(offer(shopper.creds, agentCreds.peerId, `shopper: ${stage}`));
      if (stage === 'queued') intruderPeer.send({ type: 'CANDIDATE', dst: agentCreds.peerId, payload: { candidate: 'x' } });
      else agentPeer.send(offer(agentCreds, shopper.creds.peerId, `agent: ${stage}`));
      await agentPeer.expectNone('OFFER', QUIET_MS);
      await agentPeer.expectNone('CANDIDATE', 0);
      await shopperPeer.expectNone('OFFER', 0);
    });
    const { agentCreds, shopper, agentPeer, shopperPeer } = c;
    expect(stack.server.conversations.media.maySignal(shopper.creds.peerId, agentCreds.peerId)).toBe(true);

    // Positive control: once both joined, the same OFFER arrives, with the server-set src.
    shopperPeer.send(offer(shopper.creds, agentCreds.peerId, 'both joined'));
    const got = await agentPeer.next('OFFER');
    expect(got).toMatchObject({ type: 'OFFER', src: shopper.creds.peerId, dst: agentCreds.peerId });
    expect(JSON.stringify(got.payload)).toContain('both joined');
    expect(agentPeer.frames.filter((f) => f.type === 'OFFER')).toHaveLength(1);
    // ...and the answer goes back.
    agentPeer.send({ type: 'ANSWER', dst: shopper.creds.peerId, payload: { sdp: { type: 'answer', sdp: 'v=0' } } });
    expect(await shopperPeer.next('ANSWER')).toMatchObject({ src: agentCreds.peerId });

    // Still negative for a peer outside the conversation, even while its media session runs.
    intruderPeer.send(offer(intruder.creds, agentCreds.peerId, 'intruder'));
    intruderPeer.send({ type: 'OFFER', dst: shopper.creds.peerId, payload: { sdp: 'intruder' } });
    await agentPeer.expectNone('OFFER', QUIET_MS);
    await shopperPeer.expectNone('OFFER', 0);

    // A message just under the size limit passes.
    const fits = offer(shopper.creds, agentCreds.peerId, 'y'.repeat(MAX_SIGNAL_BYTES - 1024));
    expect(Buffer.byteLength(JSON.stringify(fits))).toBeLessThanOrEqual(MAX_SIGNAL_BYTES);
    shopperPeer.send(fits);
    expect((await agentPeer.next('OFFER')).src).toBe(shopper.creds.peerId);

    // After the conversation ends, the pair may no longer signal: the server closes both peers.
    await endConversation(c);
    expect((await shopperPeer.closed).code).toBe(1000);
    expect((await agentPeer.closed).code).toBe(1000);
    expect(stack.server.conversations.media.maySignal(shopper.creds.peerId, agentCreds.peerId)).toBe(false);
    // Each dropped frame was counted (not logged one line each): 6 before both joined, 2 from the intruder.
    expect(refusals('signaling.refused_by_policy') - refusedBefore).toBe(8);
  });

  it('cuts a participant’s old peer when a new one joins (a reload), and only the new one may signal', async () => {
    const c = await liveConversation(DEMO.alice);
    const reload = await rtcCredentials(stack.url, c.shopper.token);
    expect(reload.peerId).not.toBe(c.shopper.creds.peerId);
    const reloaded = track(await openPeer(stack, reload));
    // Connected but not joined: not yet.
    reloaded.send(offer(reload, c.agentCreds.peerId, 'not joined'));
    await c.agentPeer.expectNone('OFFER', QUIET_MS);
    c.shopper.rt.send({ type: 'media.join', conversationId: c.conversationId, peerId: reload.peerId });
    await c.agent.rt.next('media.peers', { where: (m) => m.peers[0]?.peerId === reload.peerId });
    expect((await c.shopperPeer.closed).code).toBe(1000);
    reloaded.send(offer(reload, c.agentCreds.peerId, 'joined'));
    const got = await c.agentPeer.next('OFFER');
    expect(got.src).toBe(reload.peerId);
    expect(JSON.stringify(got.payload)).toContain('"joined"');
    // The old id, even reconnected with its still-valid token, signals nothing.
    const old = track(await openPeer(stack, c.shopper.creds));
    old.send(offer(c.shopper.creds, c.agentCreds.peerId, 'old'));
    await c.agentPeer.expectNone('OFFER', QUIET_MS);
    await endConversation(c);
  });

  it('refuses media.join with a peer id that was not issued to the participant (peer_not_owned)', async () => {
    const c = await liveConversation(DEMO.bob);
    const other = await shopperCreds();
    for (const foreign of [c.agentCreds.peerId, other.creds.peerId, `s-${other.shopperId}-${'0'.repeat(18)}`]) {
      c.shopper.rt.send({ type: 'media.join', conversationId: c.conversationId, peerId: foreign });
      expect(await c.shopper.rt.next('error')).toMatchObject({ code: ErrorCode.PeerNotOwned, conversationId: c.conversationId });
    }
    // The other shopper, not in this conversation, cannot join its media session at all.
    other.rt.send({ type: 'media.join', conversationId: c.conversationId, peerId: other.creds.peerId });
    expect(await other.rt.next('error')).toMatchObject({ code: ErrorCode.ConversationNotFound, conversationId: c.conversationId });
    expect(stack.server.conversations.media.maySignal(other.creds.peerId, c.agentCreds.peerId)).toBe(false);
    await endConversation(c);
  });

  it('closes a socket that sends more than MAX_SIGNAL_BYTES (1009), relays nothing and keeps running', async () => {
    const c = await liveConversation(DEMO.bob);
    const uncaught = watchUncaught();
    try {
      c.shopperPeer.send(offer(c.shopper.creds, c.agentCreds.peerId, 'x'.repeat(MAX_SIGNAL_BYTES + 1)));
      expect((await c.shopperPeer.closed).code).toBe(1009);
      await c.agentPeer.expectNone('OFFER', QUIET_MS);
    } finally {
      uncaught.stop();
    }
    expect(uncaught.errors.map((e) => e.message), 'an oversized signaling frame must not throw in the server').toEqual([]);
    // The peer can come back with its token and signal normally.
    const again = track(await openPeer(stack, c.shopper.creds));
    again.send(offer(c.shopper.creds, c.agentCreds.peerId, 'small'));
    expect((await c.agentPeer.next('OFFER')).src).toBe(c.shopper.creds.peerId);
    await endConversation(c);
  });
});

describe('PeerServer: malformed frames', () => {
  it('closes a socket that sends invalid UTF-8 (1007) without an uncaught error in the server', async () => {
    const { creds } = await shopperCreds();
    const sock = track(await openPeer(stack, creds));
    const uncaught = watchUncaught();
    try {
      sock.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      expect((await sock.closed).code).toBe(1007);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      uncaught.stop();
    }
    expect(uncaught.errors.map((e) => e.message)).toEqual([]);
    // The server still serves peers.
    const { creds: next } = await shopperCreds();
    track(await openPeer(stack, next));
  });
});

describe('realtime channel authentication', () => {
  async function ticketToken(key: string, claims: Record<string, unknown>, exp: number): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('counterpart')
      .setAudience('ticket')
      .setSubject(String(claims.sub ?? '3'))
      .setIssuedAt(exp - 30)
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(key));
  }

  it('refuses the upgrade with HTTP 401, before any socket, without a ticket or with a bad one', async () => {
    const s = await shopperSession(stack.url);
    const alice = await login(stack.url, DEMO.alice);
    const peer = await rtcCredentials(stack.url, alice.token);
    const now = Math.floor(Date.now() / 1000);
    const staffClaims = { role: 'supervisor', name: 'Mallory', sid: '0'.repeat(32), until: now + 3600 };
    const attempts: [string, string | null][] = [
      ['no ticket', null],
      ['empty ticket', ''],
      ['garbage', 'garbage'],
      ['a ticket signed with another secret', await ticketToken('z'.repeat(64), { ...staffClaims, jti: 'forged-jti-1' }, now + 30)],
      ['an expired ticket signed with the server secret', await ticketToken(secret, { ...staffClaims, jti: 'expired-jti-1' }, now - 60)],
      ['a staff bearer token (the old ?token=)', alice.token],
      ['a shopper bearer token', s.token],
      ['a peer token', peer.peerToken],
      ['an oversized ticket', 'x'.repeat(5000)],
    ];
    const before = refusals('realtime.unauthorized');
    for (const [what, ticket] of attempts) expect({ what, outcome: await realtimeRefusal(stack, ticket) }).toEqual({ what, outcome: 401 });
    expect(refusals('realtime.unauthorized') - before).toBe(attempts.length);
    // Control: the session's own first ticket opens a socket that says hello.
    const ok = track(await openRealtimeWithTicket(stack.url, s.ticket.ticket));
    expect(ok.hello).toMatchObject({ role: Role.Shopper, userId: s.shopperId });
  });

  it('opens one socket per ticket: a used ticket is refused with 401', async () => {
    const s = await shopperSession(stack.url);
    const first = track(await openRealtimeWithTicket(stack.url, s.ticket.ticket));
    expect(await realtimeRefusal(stack, s.ticket.ticket)).toBe(401);
    await first.close();
    expect(await realtimeRefusal(stack, s.ticket.ticket)).toBe(401);
    // A fresh ticket for the same session works.
    const again = track(await openRealtime(stack, s.token));
    expect(again.hello.userId).toBe(s.shopperId);

    const alice = await login(stack.url, DEMO.alice);
    const ticket = await realtimeTicket(stack.url, alice.token);
    const agentSock = track(await openRealtimeWithTicket(stack.url, ticket));
    expect(agentSock.hello).toMatchObject({ role: Role.Agent, userId: String(alice.user.id) });
    expect(await realtimeRefusal(stack, ticket)).toBe(401);
  });

  it('issues tickets (POST /api/realtime/ticket) for a bearer token only, short-lived', async () => {
    const ticketWith = (headers: Record<string, string>) => httpRequest(`${stack.url}/api/realtime/ticket`, { method: 'POST', headers });
    const alice = await login(stack.url, DEMO.alice);
    const peer = await rtcCredentials(stack.url, alice.token);
    for (const headers of [{}, { authorization: 'Bearer garbage' }, { authorization: `Bearer ${peer.peerToken}` }] as Record<string, string>[]) {
      const res = await ticketWith(headers);
      expect({ status: res.status, body: res.json }).toMatchObject({ status: 401, body: { error: { code: ErrorCode.Unauthorized } } });
    }
    // A ticket is not a bearer token either: it cannot buy more tickets.
    const t = await realtimeTicket(stack.url, alice.token);
    expect((await ticketWith({ authorization: `Bearer ${t}` })).status).toBe(401);
    const s = await shopperSession(stack.url);
    const res = await ticketWith({ authorization: `Bearer ${s.token}` });
    expect(res.status).toBe(200);
    const issued = RealtimeTicket.parse(res.json);
    expect(Date.parse(issued.expiresAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(issued.expiresAt)).toBeLessThanOrEqual(Date.now() + (TICKET_TTL_SECONDS + 2) * 1000);
  });

  it('renews a socket’s session only with a fresh ticket of the same owner', async () => {
    const a = await shopperSession(stack.url);
    const b = await shopperSession(stack.url);
    const sock = track(await openRealtimeWithTicket(stack.url, a.ticket.ticket));
    sock.send({ type: 'session.renew', ticket: b.ticket.ticket });
    expect(await sock.next('error')).toMatchObject({ code: ErrorCode.Unauthorized });
    const fresh = await realtimeTicket(stack.url, a.token);
    sock.send({ type: 'session.renew', ticket: fresh });
    expect(await sock.next('session.renewed')).toEqual({ type: 'session.renewed', expiresAt: new Date(Date.parse(a.expiresAt)).toISOString() });
    // The ticket was spent by the renewal.
    sock.send({ type: 'session.renew', ticket: fresh });
    expect(await sock.next('error')).toMatchObject({ code: ErrorCode.Unauthorized });
    expect(await realtimeRefusal(stack, fresh)).toBe(401);
    expect(sock.ws.readyState).toBe(sock.ws.OPEN);
  });
});

describe('PeerServer sockets of a staff session that ends', () => {
  it('signing out closes the session’s peers (4401) and its unused peer tokens connect nothing', async () => {
    const bob = await login(stack.url, DEMO.bob);
    const other = await login(stack.url, DEMO.bob); // another session of the same agent
    const open = await openPeer(stack, await rtcCredentials(stack.url, bob.token));
    const unused = await rtcCredentials(stack.url, bob.token);
    const otherPeer = await openPeer(stack, await rtcCredentials(stack.url, other.token));

    const out = await httpRequest(`${stack.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${bob.token}` } });
    expect(out.status).toBe(204);
    expect((await open.closed).code).toBe(4401);
    expect(await connectPeer(stack, unused.peerId, unused.peerToken)).toEqual({ kind: 'refused', status: 401 });
    // The other session's peer is untouched.
    expect(otherPeer.ws.readyState).toBe(otherPeer.ws.OPEN);
    await otherPeer.close();
  });
});

describe('PeerServer: a peer that stops reading', () => {
  it('is cut once 1 MiB waits for it, instead of the server buffering the relay without end', async () => {
    const c = await liveConversation(DEMO.alice);
    // The shopper's client stops reading its socket (a stalled or hostile reader).
    (c.shopperPeer.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const before = refusals('signaling.slow_reader');
    const big = 'z'.repeat(60 * 1024);
    for (let i = 0; i < 200; i++) c.agentPeer.send(offer(c.agentCreds, c.shopper.creds.peerId, big));
    await waitFor(() => (refusals('signaling.slow_reader') > before ? true : null), 'the slow reader to be cut', 5000);
    // The sender is not punished for the reader's stall.
    expect(c.agentPeer.ws.readyState).toBe(c.agentPeer.ws.OPEN);
    c.shopperPeer.ws.terminate(); // our stalled client would never read the close
    await endConversation(c);
  });
});
