/**
 * Pre-connect while ringing, against the real server: the shopper's and the ringing agent's
 * clients negotiate their media connection during the ring with no track on any sender; accept
 * attaches the tracks on that same connection; a ring that ends any other way closes it and the
 * PeerServer may no longer relay between the pair. PeerJS and getUserMedia are the fakes of
 * tests/helpers/fake-peerjs (its connections count inbound bytes only while the remote end's
 * senders carry a track); everything of ours runs as it is. Real browsers: tests/e2e/preconnect.
 */
import { describe, expect, it, vi } from 'vitest';
import { ConversationSession } from '../../client/conversation';
import { ConversationState, ErrorCode, MediaKind, MediaPath, Presence, type Party } from '../../protocol/index';
import { FakePeer, media } from '../helpers/fake-peerjs';
import { DEMO, delay, waitFor } from '../helpers/server';
import { agentClient, nextEvent, record, shopperInChat, useWorld, w, type AgentClient } from '../helpers/session-clients';

vi.mock('peerjs', async () => ({ Peer: (await import('../helpers/fake-peerjs')).FakePeer }));

useWorld({}, { media: true });

const db = () => w.stack.server.db;
const ringPeer = async (id: string) => ((await db()('conversations').where({ id }).first('ring_peer_id')) as { ring_peer_id: string | null }).ring_peer_id;
const peerOf = async (id: string, who: Party) =>
  ((await db()('participants').where({ conversation_id: id, role: who.role, party_id: who.id }).first('peer_id')) as { peer_id: string | null } | undefined)?.peer_id ?? null;
const maySignal = (a: string, b: string) => w.stack.server.conversations.media.maySignal(a, b);
/** Inbound media bytes of every connection a peer holds. */
const inbound = async (p: FakePeer) => {
  let bytes = 0;
  for (const c of [...p.placed, ...p.received]) for (const s of (await c.peerConnection.getStats()).values()) if (s.type === 'inbound-rtp') bytes += Number(s.bytesReceived);
  return bytes;
};

/** What the console does on `offer`: a session of the offered conversation that pre-connects its call. */
async function ringing(agent: AgentClient, conversationId: string) {
  await waitFor(() => (agent.offers.some((o) => o.conversationId === conversationId) ? true : null), 'the offer');
  const s = new ConversationSession({ rt: agent.rt, baseUrl: w.stack.url, token: () => agent.login.token, me: agent.me, conversationId });
  w.sessions.push(s);
  const r = record(s);
  s.warm(MediaKind.Video);
  return { s, r };
}

/** A ringing video conversation whose warm connection is up: both peers recorded, the agent's call answered. */
async function warmRing(agent: AgentClient) {
  const shopper = await shopperInChat(w, MediaKind.Video);
  const id = shopper.s.conversationId!;
  const ring = await ringing(agent, id);
  const [sp, ap] = await waitFor(async () => {
    const pair = [await peerOf(id, shopper.me), await ringPeer(id)];
    return pair[0] && pair[1] ? (pair as [string, string]) : null;
  }, 'both warm peers recorded');
  const [speer, apeer] = [FakePeer.byId(sp)!, FakePeer.byId(ap)!];
  await waitFor(() => (apeer.placed.length === 1 && speer.received.length === 1 && speer.received[0]!.peerConnection.iceConnectionState === 'connected' ? true : null), 'the warm call answered');
  return { shopper, id, ring, sp, ap, speer, apeer };
}

describe('pre-connect while ringing', () => {
  it('negotiates during the ring with nothing flowing either way; accept makes media flow on that same connection', async () => {
    const alice = await agentClient(w);
    const { shopper, id, ring, ap, speer, apeer } = await warmRing(alice);
    expect(shopper.s.view?.state).toBe(ConversationState.Offered);
    // A second of ringing: connected, but not one byte of media, no stream shown, no path reported.
    await delay(1200);
    expect(await inbound(speer)).toBe(0);
    expect(await inbound(apeer)).toBe(0);
    // (The remote stream may be handed to the page already: nothing is in it until accept.)
    expect([shopper.r.local, ring.r.local, shopper.r.paths, ring.r.paths]).toEqual([[], [], [], []]);

    ring.s.accept();
    await waitFor(() => (shopper.r.paths.includes(MediaPath.Flowing) && ring.r.paths.includes(MediaPath.Flowing) ? true : null), 'media flowing both ways', 8000);
    expect(await inbound(speer)).toBeGreaterThan(0);
    expect(await inbound(apeer)).toBeGreaterThan(0);
    // The warm connection is the call's: no second call, and the agent's peer is its participant peer.
    expect(apeer.placed).toHaveLength(1);
    expect(speer.placed).toHaveLength(0);
    expect(await peerOf(id, alice.me)).toBe(ap);
    expect(await ringPeer(id)).toBeNull();
    // One stream from the other party per side (handed over again when the call went live).
    expect(new Set(shopper.r.remote.map((x) => x.stream)).size).toBe(1);
    expect(shopper.r.remote.every((x) => x.party.role === 'agent')).toBe(true);
    expect(new Set(ring.r.remote.map((x) => x.stream)).size).toBe(1);
    expect(ring.r.remote.every((x) => x.party.role === 'shopper')).toBe(true);
    expect(shopper.r.local).toHaveLength(1);
    expect(ring.r.local).toHaveLength(1);
    await waitFor(() => (shopper.s.view?.media?.connectedAt ? true : null), 'the media session connected, as the server says');
    expect([...shopper.r.mediaErrors, ...ring.r.mediaErrors, ...ring.r.errors]).toEqual([]);
  });

  it('decline while warm: the warm call closes on both sides, the pair may signal no more, and the next agent warms fresh peers', async () => {
    const alice = await agentClient(w);
    const bob = await agentClient(w, DEMO.bob, Presence.Away);
    const first = await warmRing(alice);
    expect(maySignal(first.ap, first.sp)).toBe(true);
    expect(maySignal(first.sp, first.ap)).toBe(true);

    const ended = nextEvent(alice.rt, 'offer.end');
    alice.rt.send({ type: 'offer.decline', conversationId: first.id });
    await ended;
    first.ring.s.close(); // the console closes its ring session on offer.end
    await waitFor(() => (first.speer.destroyed && first.apeer.destroyed ? true : null), 'both warm peers closed');
    expect(first.apeer.placed[0]!.open).toBe(false);
    expect(first.speer.received[0]!.open).toBe(false);
    expect(maySignal(first.ap, first.sp)).toBe(false);
    expect(maySignal(first.sp, first.ap)).toBe(false);
    expect(await peerOf(first.id, first.shopper.me)).toBeNull();

    // Bob comes to the desk: only his ring warms, with a new shopper peer.
    bob.rt.send({ type: 'presence.set', presence: Presence.Available });
    const ring2 = await ringing(bob, first.id);
    const [sp2, bp] = await waitFor(async () => {
      const pair = [await peerOf(first.id, first.shopper.me), await ringPeer(first.id)];
      return pair[0] && pair[1] ? (pair as [string, string]) : null;
    }, 'the second ring warmed');
    expect(sp2).not.toBe(first.sp);
    expect(bp).toMatch(new RegExp(`^a-${bob.me.id}-`));
    expect(maySignal(bp, sp2)).toBe(true);
    expect(maySignal(first.ap, sp2)).toBe(false);
    await waitFor(() => (FakePeer.byId(bp)!.placed[0]?.peerConnection.iceConnectionState === 'connected' ? true : null), "bob's warm call answered");
    expect(await inbound(FakePeer.byId(sp2)!)).toBe(0);
    ring2.s.accept();
    await waitFor(() => (first.shopper.r.paths.includes(MediaPath.Flowing) ? true : null), 'media flowing with bob');
  });

  it('the shopper cancels while warm: both peers retired', async () => {
    const alice = await agentClient(w);
    const { shopper, sp, ap, speer } = await warmRing(alice);
    shopper.s.end();
    await waitFor(() => (speer.destroyed ? true : null), "the shopper's warm peer closed");
    expect(maySignal(ap, sp)).toBe(false);
  });

  it('a ring that times out closes the warm call too', async () => {
    const opts = w.stack.server.conversations.core.opts;
    const before = opts.ringTimeoutMs;
    opts.ringTimeoutMs = 1500;
    try {
      const alice = await agentClient(w);
      const { sp, ap, speer } = await warmRing(alice);
      await waitFor(() => (speer.destroyed ? true : null), "the shopper's warm peer closed after the ring timed out", 6000);
      expect(maySignal(ap, sp)).toBe(false);
    } finally {
      opts.ringTimeoutMs = before;
    }
  });

  it('who may join a ring: not a chat, not an agent it does not ring, not a peer issued to someone else', async () => {
    const alice = await agentClient(w);
    const bob = await agentClient(w, DEMO.bob, Presence.Away);
    const asked = media.given.length;
    const chat = await shopperInChat(w, MediaKind.Chat);
    await waitFor(() => (alice.offers.some((o) => o.conversationId === chat.s.conversationId) ? true : null), 'the chat offer');
    const refused = (rt: AgentClient['rt'], conversationId: string, peerId: string) => {
      const e = nextEvent(rt, 'error', (m) => m.conversationId === conversationId);
      rt.send({ type: 'media.join', conversationId, peerId });
      return e.then((m) => m.code);
    };
    expect(await refused(alice.rt, chat.s.conversationId!, `a-${alice.me.id}-x`)).toBe(ErrorCode.InvalidTransition);
    // No local media was asked for a chat ring.
    expect(media.given).toHaveLength(asked);
    chat.s.end();
    await waitFor(() => (alice.offers.length === 1 && w.stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'the chat ended');

    const { id } = await warmRing(alice);
    expect(await refused(bob.rt, id, `a-${bob.me.id}-x`)).toBe(ErrorCode.ConversationNotFound);
    expect(await refused(alice.rt, id, `a-${bob.me.id}-x`)).toBe(ErrorCode.PeerNotOwned);
  });
});
