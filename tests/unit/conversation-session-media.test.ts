/** ConversationSession over a fake realtime channel and fake media links: media session wiring, path and QoS, reconnects and reloads. */
import { describe, expect, it } from 'vitest';
import { ConversationState, CounterpartError, ErrorCode, MediaKind, MediaPath, type MediaPeer, type MediaSessionView, type QosSample } from '../../protocol/index';
import { msg, view } from './client-fixtures';
import { agent, getLocalMedia, links, live, reconnect, record, rt, session, streams, sync, useSessionFixtures } from './session-fixtures';

useSessionFixtures();

describe('ConversationSession: media', () => {
  const media = (id: string, kind: MediaKind.Voice | MediaKind.Video = MediaKind.Video): MediaSessionView => ({
    id,
    kind,
    startedAt: '2026-01-01T00:00:00.000Z',
    connectedAt: null,
    endedAt: null,
    endReason: null,
    resumes: 0,
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const active = (m: MediaSessionView | null) =>
    rt.fire('conversation.update', { type: 'conversation.update', conversation: view({ state: ConversationState.Active, media: m }) });

  it('joins a running media session: local media of its kind, a link, media.join, then media.peers to the link', async () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    active(media('m1', MediaKind.Voice));
    await flush();
    expect(getLocalMedia).toHaveBeenCalledWith(MediaKind.Voice);
    expect(r.local).toEqual([streams[0]]);
    expect(rt.take('media.join')).toEqual([{ type: 'media.join', conversationId: 'c1', peerId: 'peer-1' }]);
    const peers: MediaPeer[] = [{ party: agent, name: 'Ann', peerId: 'p-agent', placeCall: false }];
    rt.fire('media.peers', { type: 'media.peers', conversationId: 'c1', mediaId: 'm-other', kind: MediaKind.Voice, peers: [] });
    rt.fire('media.peers', { type: 'media.peers', conversationId: 'c1', mediaId: 'm1', kind: MediaKind.Voice, peers });
    expect(links[0]!.peers).toEqual([peers]);
    // The same media session in the next update: nothing new is opened.
    active(media('m1', MediaKind.Voice));
    await flush();
    expect(links).toHaveLength(1);
  });

  it('reports the path to the server and the page, and QoS to the server', async () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    active(media('m1'));
    await flush();
    links[0]!.fire('path', MediaPath.Flowing);
    links[0]!.fire('path', MediaPath.Reconnecting);
    const sample: QosSample = { rttMs: 20, jitterMs: 1, lossPct: 0, bitrateKbps: 800, localCandidate: 'host', remoteCandidate: 'relay' };
    links[0]!.fire('qos', sample);
    expect(rt.take('media.path').map((m) => m.path)).toEqual([MediaPath.Flowing, MediaPath.Reconnecting]);
    expect(rt.take('qos.sample')).toEqual([{ type: 'qos.sample', conversationId: 'c1', sample }]);
    expect(r.paths).toEqual([MediaPath.Flowing, MediaPath.Reconnecting]);
  });

  it('closes the link and the local tracks when the media session ends; chat goes on', async () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    active(media('m1'));
    await flush();
    active(null);
    expect(links[0]!.closed).not.toBeNull();
    expect(streams[0]!.tracks.every((t) => t.stop.mock.calls.length === 1)).toBe(true);
    expect(r.local).toEqual([streams[0], null]);
    s.send('still here');
    expect(rt.take('chat.send')).toHaveLength(1);
  });

  it('refused local media: says so and stops the media session', async () => {
    getLocalMedia.mockRejectedValueOnce(new CounterpartError(ErrorCode.Forbidden, 'denied'));
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    active(media('m1'));
    await flush();
    expect(r.mediaErrors.map((e) => e.code)).toEqual([ErrorCode.Forbidden]);
    expect(rt.take('media.stop')).toEqual([{ type: 'media.stop', conversationId: 'c1' }]);
    expect(links).toHaveLength(0);
    active(media('m1'));
    await flush();
    expect(getLocalMedia).toHaveBeenCalledTimes(1);
  });

  it('after a reconnect, tells the server its peer and path again; after a reload, joins with a new peer', async () => {
    const s = session({ conversationId: 'c1' });
    active(media('m1'));
    await flush();
    links[0]!.fire('path', MediaPath.Flowing);
    rt.sent.length = 0;
    reconnect();
    sync([], { state: ConversationState.Active, media: media('m1') });
    expect(rt.take('media.join')).toEqual([{ type: 'media.join', conversationId: 'c1', peerId: 'peer-1' }]);
    expect(rt.take('media.path')).toEqual([{ type: 'media.path', conversationId: 'c1', path: MediaPath.Flowing }]);
    s.close();
    // A new page resumes the conversation with its media running: a new link joins.
    const again = session({ conversationId: 'c1', lastSeq: 0 });
    rt.fire('connected');
    sync([], { state: ConversationState.Active, media: media('m1') });
    await flush();
    expect(rt.take('media.join')).toEqual([{ type: 'media.join', conversationId: 'c1', peerId: 'peer-2' }]);
    again.close();
  });

  it('mic and camera settings apply to the local tracks, also to media started later', async () => {
    const s = session({ conversationId: 'c1' });
    s.setCamera(false);
    active(media('m1'));
    await flush();
    expect(streams[0]!.tracks.map((t) => t.enabled)).toEqual([true, false]);
    s.setMic(false);
    expect(streams[0]!.tracks.map((t) => t.enabled)).toEqual([false, false]);
  });

  it('the signaling credentials expired: a new link joins with the same local media', async () => {
    const s = session({ conversationId: 'c1' });
    active(media('m1'));
    await flush();
    rt.sent.length = 0;
    links[0]!.fire('error', new CounterpartError(ErrorCode.Unauthorized, 'expired'));
    await flush();
    expect(links[0]!.closed).toEqual({ keepLocalTracks: true });
    expect(getLocalMedia).toHaveBeenCalledTimes(1);
    expect(rt.take('media.join')).toEqual([{ type: 'media.join', conversationId: 'c1', peerId: 'peer-2' }]);
    s.close();
  });

  it('close is local: the link closes, the conversation is not ended, nothing more is emitted', async () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    active(media('m1'));
    await flush();
    s.close();
    expect(links[0]!.closed).not.toBeNull();
    expect(rt.sent.some((m) => m.type === 'conversation.end' || m.type === 'media.stop')).toBe(false);
    live(msg(1));
    expect(r.messages).toEqual([]);
  });
});
