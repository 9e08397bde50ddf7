/**
 * ConversationSession's media half against the real server. WebRTC and PeerJS do not exist in
 * Node: PeerJS (third-party) and getUserMedia (the browser's) are replaced by tests/helpers/fake-peerjs;
 * everything of ours runs as it is — ConversationSession, ConversationMedia, MediaLink.open (peer
 * credentials from the real API), media.join/media.peers/media.path/media.stop over the real
 * realtime channel. Real browsers with real media: tests/e2e (call, resume, channels, server-restart).
 */
import { describe, expect, it, vi } from 'vitest';
import { ConversationState, ErrorCode, MediaKind, MediaPath, type MediaSessionView, type Party } from '../../protocol/index';
import { FakePeer, media, type FakeStream } from '../helpers/fake-peerjs';
import { delay, waitFor } from '../helpers/server';
import { chatWithAgent, shopperClient, tap, useWorld, w, type Client } from '../helpers/session-clients';

vi.mock('peerjs', async () => ({ Peer: (await import('../helpers/fake-peerjs')).FakePeer }));

// Peer credentials that expire 6 s after they are issued: a signaling drop after 1 s is "expired".
useWorld({ env: { PEER_TOKEN_TTL_SECONDS: '6' } }, { media: true });

/** A session's media events, with the fake streams typed as such. */
const watch = (c: Client) => ({
  local: c.r.local as (FakeStream | null)[],
  remote: c.r.remote as { party: Party; stream: FakeStream }[],
  paths: c.r.paths,
  errors: c.r.mediaErrors,
});
const running = (c: Client): MediaSessionView | null => (c.s.view?.media && c.s.view.media.endedAt === null ? c.s.view.media : null);
const peerOf = async (conversationId: string, who: Party) =>
  ((await w.stack.server.db('participants').where({ conversation_id: conversationId, role: who.role, party_id: who.id }).first('peer_id', 'media_path')) as { peer_id: string | null; media_path: string | null });
const mediaRow = (conversationId: string) => w.stack.server.db('media_sessions').where({ conversation_id: conversationId }).first('kind', 'connected_at', 'ended_at', 'end_reason', 'resumes');

/** A video conversation whose media flows both ways (the media session marked connected by the server). */
async function videoCall() {
  const pair = await chatWithAgent(w, MediaKind.Video);
  const sm = watch(pair.shopper);
  const am = watch(pair.agent);
  const id = pair.shopper.s.conversationId!;
  await waitFor(() => (sm.paths.includes(MediaPath.Flowing) && am.paths.includes(MediaPath.Flowing) ? true : null), 'media flowing both ways', 8000);
  await waitFor(() => (pair.shopper.s.view?.media?.connectedAt ? true : null), 'the media session connected, as the server says');
  return { ...pair, sm, am, id };
}

describe('media sessions', () => {
  it('both sides open local media of its kind, join with server-issued peers; the later joiner calls; the server marks it connected', async () => {
    const { shopper, agent, sm, am, id } = await videoCall();
    // Microphone and camera, once per side, each shown to its page.
    expect(media.given.slice(-2).map((g) => g.constraints)).toEqual([
      { audio: true, video: { width: 640, height: 480 } },
      { audio: true, video: { width: 640, height: 480 } },
    ]);
    expect(sm.local).toHaveLength(1);
    expect(am.local).toHaveLength(1);
    // Each side gets the other's stream, once.
    expect(sm.remote).toEqual([{ party: agent.me, stream: am.local[0] }]);
    expect(am.remote).toEqual([{ party: shopper.me, stream: sm.local[0] }]);
    // The peers the server recorded are the ones the links opened, issued to their owners.
    const [sp, ap] = [await peerOf(id, shopper.me), await peerOf(id, agent.me)];
    expect(sp.peer_id).toMatch(new RegExp(`^s-${shopper.me.id}-`));
    expect(ap.peer_id).toMatch(new RegExp(`^a-${agent.me.id}-`));
    const [speer, apeer] = [FakePeer.byId(sp.peer_id!)!, FakePeer.byId(ap.peer_id!)!];
    expect(speer.placed.length + apeer.placed.length).toBe(1);
    await waitFor(async () => ((await peerOf(id, shopper.me)).media_path === MediaPath.Flowing && (await peerOf(id, agent.me)).media_path === MediaPath.Flowing ? true : null), 'both paths flowing on the server');
    expect(await mediaRow(id)).toMatchObject({ kind: MediaKind.Video, connected_at: expect.anything(), ended_at: null, resumes: 0 });
    expect([...sm.errors, ...am.errors]).toEqual([]);
  });

  it('QoS samples of the call reach the server', async () => {
    const { id } = await videoCall();
    await waitFor(async () => {
      const rows = await w.stack.server.db('conversation_qos').where({ conversation_id: id }).count({ n: '*' });
      return Number(rows[0]!.n) > 0 ? true : null;
    }, 'a QoS sample stored', 8000);
  });

  it('stopMedia: the links close, the local tracks stop, the pages are told; chat goes on', async () => {
    const { shopper, agent, sm, am, id } = await videoCall();
    const peers = [(await peerOf(id, shopper.me)).peer_id!, (await peerOf(id, agent.me)).peer_id!].map((p) => FakePeer.byId(p)!);
    agent.s.stopMedia();
    await waitFor(() => (sm.local.at(-1) === null && am.local.at(-1) === null ? true : null), 'local media gone on both sides');
    expect(peers.every((p) => p.destroyed)).toBe(true);
    for (const s of [sm.local[0]!, am.local[0]!]) expect(s.tracks.map((t) => t.stops)).toEqual([1, 1]);
    expect(await mediaRow(id)).toMatchObject({ end_reason: 'stopped', ended_at: expect.anything() });
    expect(shopper.s.view?.state).toBe(ConversationState.Active);
    shopper.s.send('still here');
    await waitFor(() => (agent.r.messages.length === 1 ? true : null), 'the chat after the call');
  });

  it('refused camera and microphone: the page is told and the media session stops; chat goes on', async () => {
    media.refuse = true;
    const { shopper, agent } = await chatWithAgent(w, MediaKind.Voice);
    const id = shopper.s.conversationId!;
    const sm = watch(shopper);
    await waitFor(async () => ((await mediaRow(id))?.ended_at ? true : null), 'the media session ended on the server');
    await waitFor(() => (running(shopper) === null && running(agent) === null ? true : null), 'no media running at either side');
    expect(await mediaRow(id)).toMatchObject({ kind: MediaKind.Voice, connected_at: null, end_reason: 'stopped' });
    // Each page is told why (the widget offers chat or voice instead), neither opened a link.
    for (const c of [shopper, agent]) expect(c.r.mediaErrors.map((e) => [e.code, e.name])).toEqual([[ErrorCode.Forbidden, 'MediaDeniedError']]);
    expect(sm.local).toEqual([]);
    expect(FakePeer.all.filter((p) => p.id.startsWith(`s-${shopper.me.id}-`))).toEqual([]);
    expect(shopper.s.view?.state).toBe(ConversationState.Active);
    agent.s.send('we can chat instead');
    await waitFor(() => (shopper.r.messages.length === 1 ? true : null), 'the chat goes on');
  });

  it('mic and camera settings apply to the local tracks, also to media started later', async () => {
    const { shopper, sm } = await (async () => {
      const pair = await chatWithAgent(w);
      pair.shopper.s.setCamera(false);
      const sm = watch(pair.shopper);
      pair.shopper.s.proposeMedia(MediaKind.Video);
      await waitFor(() => (pair.agent.s.view?.proposal ? true : null), 'the proposal at the agent');
      pair.agent.s.answerMedia(true);
      await waitFor(() => (sm.local.length === 1 ? true : null), 'local media');
      return { ...pair, sm };
    })();
    expect(sm.local[0]!.tracks.map((t) => [t.kind, t.enabled])).toEqual([
      ['audio', true],
      ['video', false],
    ]);
    shopper.s.setMic(false);
    shopper.s.setCamera(true);
    expect(sm.local[0]!.tracks.map((t) => t.enabled)).toEqual([false, true]);
  });
});

describe('media across drops and reloads', () => {
  it('after a network cut the page tells the server its peer and path again; the call never stopped', async () => {
    const { shopper, id, am } = await videoCall();
    const peer = (await peerOf(id, shopper.me)).peer_id!;
    const frames = tap(w.proxy);
    w.proxy.cutAll();
    await waitFor(() => (frames.fromClient.some((m) => m.type === 'media.path') ? true : null), 'the path told again');
    expect(frames.fromClient.filter((m) => m.type === 'media.join' || m.type === 'media.path')).toEqual([
      { type: 'media.join', conversationId: id, peerId: peer },
      { type: 'media.path', conversationId: id, path: MediaPath.Flowing },
    ]);
    await waitFor(() => (frames.fromServer.some((m) => m.type === 'media.peers') ? true : null), 'media.peers again');
    expect((await peerOf(id, shopper.me)).peer_id).toBe(peer);
    expect(am.remote).toHaveLength(1);
    expect((await mediaRow(id))?.resumes).toBe(0);
  });

  it('after a reload the new page joins with a new peer and calls the other side; the server counts a resume', async () => {
    const { shopper, agent, id, am } = await videoCall();
    const oldPeer = FakePeer.byId((await peerOf(id, shopper.me)).peer_id!)!;
    shopper.s.close();
    shopper.rt.close();
    expect(oldPeer.destroyed).toBe(true);
    const page = await shopperClient(w, { session: shopper.session, conversationId: id, lastSeq: 0 });
    const pm = watch(page);
    page.rt.connect();
    await waitFor(() => (am.remote.length === 2 ? true : null), 'the agent gets the new page’s media', 8000);
    const newPeer = FakePeer.byId((await peerOf(id, shopper.me)).peer_id!)!;
    expect(newPeer).not.toBe(oldPeer);
    expect(newPeer.placed.map((c) => c.peer)).toEqual([(await peerOf(id, agent.me)).peer_id]);
    expect(am.remote[1]).toEqual({ party: shopper.me, stream: pm.local[0] });
    await waitFor(() => (pm.paths.includes(MediaPath.Flowing) ? true : null), 'flowing on the new page', 8000);
    expect((await mediaRow(id))?.resumes).toBe(1);
  });

  it('the signaling credentials expired: a new link joins with a new peer and the same local media', async () => {
    const { shopper, agent, id, sm, am } = await videoCall();
    await delay(1200); // past expiry minus the 5 s margin
    const given = media.given.length;
    const old = FakePeer.byId((await peerOf(id, agent.me)).peer_id!)!;
    old.dropSignaling();
    await waitFor(async () => ((await peerOf(id, agent.me)).peer_id !== old.id ? true : null), 'a new peer joined for the agent');
    expect(am.errors.map((e) => e.code)).toEqual([ErrorCode.Unauthorized]);
    expect(old.destroyed).toBe(true);
    expect(media.given.length).toBe(given);
    expect(am.local[0]!.tracks.every((t) => t.readyState === 'live')).toBe(true);
    await waitFor(() => (sm.remote.length === 2 ? true : null), 'the shopper gets the agent’s media again', 8000);
    expect(sm.remote[1]!.stream).toBe(am.local[0]);
    expect(shopper.s.view?.state).toBe(ConversationState.Active);
  });
});
