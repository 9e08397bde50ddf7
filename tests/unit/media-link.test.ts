/**
 * MediaLink against a fake PeerJS peer: who calls whom, offers that overtake `media.peers`, a
 * reloaded remote, dead-path detection and the re-call ("ICE restart") with backoff.
 */
import type { Peer } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MediaLink } from '../../client/media-link';
import { CounterpartError, ErrorCode, MediaPath, type Party } from '../../protocol/index';
import { FakeConn, FakePeer, agent, fakeStream, peerOf, shopper } from '../helpers/fake-media-link';

let peer: FakePeer;
let stream: ReturnType<typeof fakeStream>;
let link: MediaLink;
let paths: MediaPath[];
let errors: CounterpartError[];

function makeLink(opts: { expiresAt?: number; sending?: boolean } = {}): MediaLink {
  const l = new MediaLink(peer as unknown as Peer, stream as unknown as MediaStream, opts);
  l.on('path', (p) => paths.push(p));
  l.on('error', (e) => errors.push(e));
  return l;
}

beforeEach(() => {
  vi.useFakeTimers();
  peer = new FakePeer('me');
  stream = fakeStream();
  paths = [];
  errors = [];
  link = makeLink();
});
afterEach(() => {
  link.close();
  vi.useRealTimers();
});

describe('MediaLink: calls', () => {
  it('calls the peers it is told to call, once, with the local stream', () => {
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    expect(peer.calls.map((c) => c.peer)).toEqual(['p-shopper']);
  });

  it('answers only the peer it expects a call from; other offers are held, then dropped', async () => {
    link.setPeers([peerOf(agent, 'p-agent', false)]);
    const stranger = peer.ring('p-stranger');
    const expected = peer.ring('p-agent');
    expect(expected.answeredWith).toBe(stream);
    expect(stranger.answeredWith).toBeNull();
    expect(stranger.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(10_001);
    expect(stranger.closed).toBe(true);
  });

  it('accepts an offer that arrived before media.peers named its peer', () => {
    const early = peer.ring('p-agent');
    expect(early.answeredWith).toBeNull();
    link.setPeers([peerOf(agent, 'p-agent', false)]);
    expect(early.answeredWith).toBe(stream);
  });

  it('refuses an offer from a peer this side calls', () => {
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    const offer = peer.ring('p-shopper');
    expect(offer.closed).toBe(true);
    expect(peer.calls[0]!.closed).toBe(false);
  });

  it('emits the remote stream once per connection, with the party', () => {
    const got: [Party, unknown][] = [];
    link.on('remoteStream', (party, s) => got.push([party, s]));
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    const s = { id: 'remote' };
    peer.calls[0]!.fire('stream', s);
    peer.calls[0]!.fire('stream', s); // once per track
    expect(got).toEqual([[shopper, s]]);
  });

  it('a reloaded remote (new peer id): closes the old connection and calls the new peer', () => {
    link.setPeers([peerOf(shopper, 'p-old', true)]);
    const old = peer.calls[0]!;
    link.setPeers([peerOf(shopper, 'p-new', true)]);
    expect(old.closed).toBe(true);
    expect(peer.calls.map((c) => c.peer)).toEqual(['p-old', 'p-new']);
  });

  it('a reloaded remote that now calls: the old connection closes and the new offer replaces it', () => {
    link.setPeers([peerOf(shopper, 'p-old', true)]);
    const old = peer.calls[0]!;
    const offer = peer.ring('p-new'); // overtakes media.peers
    link.setPeers([peerOf(shopper, 'p-new', false)]);
    expect(old.closed).toBe(true);
    expect(offer.answeredWith).toBe(stream);
    expect(peer.calls).toHaveLength(1);
  });

  it('closes connections to parties no longer listed and says so', () => {
    const left: Party[] = [];
    link.on('remoteLeft', (p) => left.push(p));
    link.setPeers([peerOf(shopper, 'p-shopper', true), peerOf(agent, 'p-agent', true)]);
    link.setPeers([peerOf(agent, 'p-agent', true)]);
    expect(peer.calls[0]!.closed).toBe(true);
    expect(peer.calls[1]!.closed).toBe(false);
    expect(left).toEqual([shopper]);
  });

  it('keeps a live connection when the roles flip for the same peer (a rejoin of the same peer)', () => {
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    link.setPeers([peerOf(shopper, 'p-shopper', false)]);
    expect(peer.calls[0]!.closed).toBe(false);
  });
});

describe('MediaLink: media path', () => {
  async function flowing(conn: FakeConn, seconds: number): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      conn.peerConnection.bytes += 1000;
      await vi.advanceTimersByTimeAsync(1000);
    }
  }

  it('reports flowing, a stall within 5 s, and flowing again; only on change', async () => {
    link.setPeers([peerOf(shopper, 'p-shopper', false)]);
    const conn = peer.ring('p-shopper');
    await flowing(conn, 3);
    expect(paths).toEqual([MediaPath.Flowing]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(paths).toEqual([MediaPath.Flowing, MediaPath.Reconnecting]);
    await flowing(conn, 2);
    expect(paths).toEqual([MediaPath.Flowing, MediaPath.Reconnecting, MediaPath.Flowing]);
  });

  it('the caller re-calls a dead path after 3 s reconnecting, with backoff, until media flows', async () => {
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    const first = peer.calls[0]!;
    await flowing(first, 2);
    // Last bytes at t=2 s. Dead: reconnecting at 4 s, dropped after more than 3 s of it (8 s), called again 1 s later.
    await vi.advanceTimersByTimeAsync(5000);
    expect(paths.at(-1)).toBe(MediaPath.Reconnecting);
    expect(first.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(first.closed).toBe(true);
    expect(peer.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(peer.calls).toHaveLength(2);
    // The second call fails at once (ICE failed): the next re-call waits 2 s.
    const second = peer.calls[1]!;
    second.peerConnection.iceConnectionState = 'failed';
    await vi.advanceTimersByTimeAsync(1000);
    expect(second.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(peer.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(peer.calls).toHaveLength(3);
    await flowing(peer.calls[2]!, 2);
    expect(paths.at(-1)).toBe(MediaPath.Flowing);
  });

  it('the callee never re-calls; it takes the caller’s new call in place of the old one', async () => {
    const streams: unknown[] = [];
    link.on('remoteStream', (_p, s) => streams.push(s));
    link.setPeers([peerOf(agent, 'p-agent', false)]);
    const first = peer.ring('p-agent');
    first.fire('stream', 's1');
    await flowing(first, 2);
    await vi.advanceTimersByTimeAsync(20_000);
    // The caller decides when the path is dead: the callee neither calls nor drops the connection.
    expect(peer.calls).toHaveLength(0);
    expect(first.closed).toBe(false);
    expect(paths.at(-1)).toBe(MediaPath.Reconnecting);
    const again = peer.ring('p-agent');
    expect(first.closed).toBe(true);
    expect(again.answeredWith).toBe(stream);
    again.fire('stream', 's2');
    await flowing(again, 2);
    expect(paths.at(-1)).toBe(MediaPath.Flowing);
    expect(streams).toEqual(['s1', 's2']);
  });

  it('a call closed by the other end is placed again by the caller', async () => {
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    peer.calls[0]!.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(peer.calls).toHaveLength(2);
  });
});

describe('MediaLink: signaling and lifetime', () => {
  it('reconnects to the PeerServer with backoff after a drop', async () => {
    peer.disconnected = true;
    peer.fire('disconnected', 'me');
    await vi.advanceTimersByTimeAsync(1600);
    expect(peer.reconnects).toBe(1);
  });

  it('past the credentials’ expiry, says so instead of retrying with a dead token', async () => {
    link.close();
    peer = new FakePeer('me');
    link = makeLink({ expiresAt: Date.now() + 1000 });
    peer.disconnected = true;
    peer.fire('disconnected', 'me');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(peer.reconnects).toBe(0);
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.Unauthorized]);
  });

  it('surfaces PeerJS errors with a code and the cause', () => {
    const cause = Object.assign(new Error('Lost connection to server.'), { type: 'network' });
    peer.fire('error', cause);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CounterpartError);
    expect(errors[0]!.code).toBe(ErrorCode.Unavailable);
    expect(errors[0]!.cause).toBe(cause);
  });

  it('a call to a peer the PeerServer does not know is dropped and tried again', async () => {
    link.setPeers([peerOf(shopper, 'p-gone', true)]);
    peer.fire('error', Object.assign(new Error('Could not connect to peer p-gone'), { type: 'peer-unavailable' }));
    expect(peer.calls[0]!.closed).toBe(true);
    expect(errors[0]!.code).toBe(ErrorCode.NotFound);
    await vi.advanceTimersByTimeAsync(1000);
    expect(peer.calls).toHaveLength(2);
  });

  it('refuses data connections: chat goes over the realtime channel', () => {
    const dc = new FakeConn('p-x');
    peer.fire('connection', dc);
    expect(dc.closed).toBe(true);
  });

  it('mic and camera switch the local tracks', () => {
    link.setMicEnabled(false);
    link.setCameraEnabled(false);
    expect(stream.tracks.map((t) => t.enabled)).toEqual([false, false]);
    link.setMicEnabled(true);
    expect(stream.tracks.map((t) => t.enabled)).toEqual([true, false]);
  });

  it('close ends connections, the peer and the local tracks (unless kept), and emits nothing more', async () => {
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    link.close({ keepLocalTracks: true });
    expect(peer.calls[0]!.closed).toBe(true);
    expect(peer.destroyed).toBe(true);
    expect(stream.tracks.every((t) => t.stop.mock.calls.length === 0)).toBe(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(peer.calls).toHaveLength(1);
    expect(paths).toEqual([]);

    peer = new FakePeer('me');
    link = makeLink();
    link.close();
    expect(stream.tracks.every((t) => t.stop.mock.calls.length === 1)).toBe(true);
  });
});
