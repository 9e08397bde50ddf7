/**
 * Who may signal whom over the PeerServer: only the two joined peers of one running media session,
 * only the newest peer of a participant, within the size limit, and never at the cost of a
 * server buffer for a peer that stops reading.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentState, ConversationState, ErrorCode, MAX_SIGNAL_BYTES, type RtcCredentials } from '../../protocol/index';
import { agentConsole, type AgentConsole } from '../helpers/agents';
import { DEMO, login, rtcCredentials, waitFor } from '../helpers/server';
import { refusals, shopperCreds, stack, track, useSignalingStack, type ShopperPeer } from '../helpers/signaling';
import { openPeer, type PeerSocket, watchUncaught } from '../helpers/sockets';

/** How long a message that must not be relayed is given to arrive anyway. */
const QUIET_MS = 1000;

useSignalingStack();

function offer(from: RtcCredentials, to: string, sdp = 'v=0 test offer'): { type: string; dst: string; payload: unknown } {
  return { type: 'OFFER', dst: to, payload: { sdp: { type: 'offer', sdp }, type: 'media', connectionId: `mc_${from.peerId.slice(-6)}` } };
}

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

  it('keeps a frame for a joined peer whose socket is not connected and delivers it when it connects (as stock `peer` does)', async () => {
    const c = await liveConversation(DEMO.alice);
    const { agentCreds, shopper, shopperPeer } = c;
    const staffBefore = stack.server.sockets().peers.staff;
    await c.agentPeer.close();
    await waitFor(() => (stack.server.sockets().peers.staff === staffBefore - 1 ? true : null), 'the agent peer gone from the server');
    shopperPeer.send(offer(shopper.creds, agentCreds.peerId, 'sent while away'));
    shopperPeer.send({ type: 'CANDIDATE', dst: agentCreds.peerId, payload: { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' }, type: 'media', connectionId: 'mc_x' } });
    const back = track(await openPeer(stack, agentCreds));
    const got = await back.next('OFFER');
    expect(got).toMatchObject({ type: 'OFFER', src: shopper.creds.peerId, dst: agentCreds.peerId });
    expect(JSON.stringify(got.payload)).toContain('sent while away');
    expect(await back.next('CANDIDATE')).toMatchObject({ src: shopper.creds.peerId });
    // Connected again, the relay is direct, with the server-set src and nothing else added.
    shopperPeer.send(offer(shopper.creds, agentCreds.peerId, 'direct'));
    const direct = await back.next('OFFER', { where: (f) => JSON.stringify(f.payload).includes('direct') });
    expect(Object.keys(direct)).toEqual(['type', 'src', 'dst', 'payload']);
    await endConversation(c);
  });

  it('relays to a joined partner only well-formed frames, with its own src and nothing a client added, whatever arrives', async () => {
    const c = await liveConversation(DEMO.alice);
    const { agentCreds, shopper, shopperPeer, agentPeer } = c;
    const uncaught = watchUncaught();
    const refusedBefore = refusals('signaling.refused_by_policy');
    let refusable = 0;
    try {
      // Hostile text from a permitted sender: any JSON, or a relayable type with odd fields.
      const hostile = fc.oneof(
        fc.json(),
        fc.record({
          type: fc.constantFrom('OFFER', 'ANSWER', 'CANDIDATE', 'HEARTBEAT', 'OPEN', 'ID-TAKEN', '__proto__'),
          dst: fc.oneof(fc.constant(agentCreds.peerId), fc.string(), fc.integer(), fc.constant(null)),
          src: fc.string(),
          payload: fc.jsonValue(),
          extra: fc.string(),
        }).map((f) => JSON.stringify(f)),
      );
      fc.assert(
        fc.property(hostile, (text) => {
          shopperPeer.ws.send(text);
          let m: unknown;
          try {
            m = JSON.parse(text);
          } catch {}
          const f = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
          const relayable = ['OFFER', 'ANSWER', 'CANDIDATE'].includes(f.type as string) && f.dst === agentCreds.peerId;
          if (!relayable && f.type !== 'HEARTBEAT') refusable++;
        }),
        { numRuns: 80 },
      );
      shopperPeer.ws.send(Buffer.from(JSON.stringify(offer(shopper.creds, agentCreds.peerId, 'binary'))), { binary: true });
      refusable++;
      shopperPeer.send(offer(shopper.creds, agentCreds.peerId, 'sentinel'));
      await agentPeer.next('OFFER', { where: (f) => JSON.stringify(f.payload).includes('sentinel') });
    } finally {
      uncaught.stop();
    }
    expect(uncaught.errors.map((e) => e.message)).toEqual([]);
    for (const f of agentPeer.frames.filter((x) => x.type !== 'OPEN')) {
      expect(Object.keys(f)).toEqual(['type', 'src', 'dst', 'payload']);
      expect(f).toMatchObject({ src: shopper.creds.peerId, dst: agentCreds.peerId });
      expect(['OFFER', 'ANSWER', 'CANDIDATE']).toContain(f.type);
    }
    expect(JSON.stringify(agentPeer.frames)).not.toContain('binary');
    expect(refusals('signaling.refused_by_policy') - refusedBefore).toBe(refusable);
    // Both sockets are still up and the pair still signals.
    agentPeer.send({ type: 'ANSWER', dst: shopper.creds.peerId, payload: { sdp: { type: 'answer', sdp: 'v=0' } } });
    expect(await shopperPeer.next('ANSWER')).toMatchObject({ src: agentCreds.peerId });
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
