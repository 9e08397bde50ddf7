/**
 * MediaLink warm (pre-connect while ringing): calls placed and answered with every encoding
 * inactive, activated on accept without a new call; a warm connection is neither re-called for
 * carrying no media nor reported. Same fake PeerJS as media-link.test.ts.
 */
import type { Peer } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MediaLink } from '../../client/media-link';
import { MediaPath } from '../../protocol/index';
import { FakePeer, agent, fakeStream, peerOf, shopper } from '../helpers/fake-media-link';

let peer: FakePeer;
let stream: ReturnType<typeof fakeStream>;
let link: MediaLink;
let paths: MediaPath[];

beforeEach(() => {
  vi.useFakeTimers();
  peer = new FakePeer('me');
  stream = fakeStream();
  paths = [];
  link = new MediaLink(peer as unknown as Peer, stream as unknown as MediaStream, { sending: false });
  link.on('path', (p) => paths.push(p));
});
afterEach(() => {
  link.close();
  vi.useRealTimers();
});

describe('MediaLink: warm (pre-connect while ringing)', () => {
  it('places and answers calls with every encoding inactive; setSending activates them, on the local tracks, without a new call', async () => {
    link.setPeers([peerOf(shopper, 'p-shopper', true), peerOf(agent, 'p-agent', false)]);
    const answered = peer.ring('p-agent');
    const placed = peer.calls[0]!;
    for (const c of [placed, answered]) {
      expect(c.peerConnection.trackOf('audio')).toBeNull();
      expect(c.peerConnection.trackOf('video')).toBeNull();
    }
    await Promise.resolve();
    link.setSending(true);
    await Promise.resolve();
    for (const c of [placed, answered]) {
      expect(c.peerConnection.trackOf('audio')).toBe(stream.tracks[0]);
      expect(c.peerConnection.trackOf('video')).toBe(stream.tracks[1]);
      expect(c.closed).toBe(false);
    }
    expect(peer.calls).toHaveLength(1);
    expect(link.isSending).toBe(true);
  });

  it('a warm connection carrying no media is not re-called, nor reported, however long the ring', async () => {
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(peer.calls).toHaveLength(1);
    expect(peer.calls[0]!.closed).toBe(false);
    expect(paths).toEqual([]);
  });

  it('a warm connection whose ICE failed is called again', async () => {
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    peer.calls[0]!.peerConnection.iceConnectionState = 'failed';
    await vi.advanceTimersByTimeAsync(3000);
    expect(peer.calls[0]!.closed).toBe(true);
    expect(peer.calls.length).toBeGreaterThanOrEqual(2);
    expect(peer.calls.at(-1)!.peerConnection.trackOf('video')).toBeNull();
  });

  it('once sending, the connect timeout counts from then: media flowing makes it flowing', async () => {
    link.setPeers([peerOf(shopper, 'p-shopper', true)]);
    await vi.advanceTimersByTimeAsync(20_000);
    link.setSending(true);
    const conn = peer.calls[0]!;
    conn.peerConnection.bytes += 1000;
    await vi.advanceTimersByTimeAsync(1000);
    expect(paths).toEqual([MediaPath.Flowing]);
    expect(peer.calls).toHaveLength(1);
  });
});

