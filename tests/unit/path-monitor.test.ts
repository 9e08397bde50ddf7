/** The media path decisions: stall detection within the budget, recovery, when the caller calls again. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MediaPath } from '../../protocol/index';
import { PATH_DEFAULTS, PeerHealth, aggregatePath, recallDelayMs } from '../../client/path-monitor';

const ok = (bytes: number) => ({ bytes, ice: 'connected' as const });

describe('PeerHealth', () => {
  it('is connecting until bytes arrive, then flowing', () => {
    const h = new PeerHealth(0);
    expect(h.observe(1000, ok(0))).toBe(MediaPath.Connecting);
    expect(h.observe(2000, ok(500))).toBe(MediaPath.Flowing);
    expect(h.flowed).toBe(true);
  });

  it('reports a stall after 2 s without inbound bytes, and flowing again when they grow', () => {
    const h = new PeerHealth(0);
    h.observe(1000, ok(100));
    expect(h.observe(2000, ok(100))).toBe(MediaPath.Flowing);
    expect(h.observe(2999, ok(100))).toBe(MediaPath.Flowing);
    expect(h.observe(3000, ok(100))).toBe(MediaPath.Reconnecting);
    expect(h.observe(4000, ok(100))).toBe(MediaPath.Reconnecting);
    expect(h.observe(5000, ok(101))).toBe(MediaPath.Flowing);
  });

  it('polled every second, detects a dead path within 5 s of the last byte', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 20 }), (phase, flowingPolls) => {
        const h = new PeerHealth(0);
        let bytes = 0;
        let t = phase;
        for (let i = 0; i < flowingPolls; i++, t += 1000) h.observe(t, ok((bytes += 1000)));
        // Media stops somewhere between the last growing poll and the next one.
        const stoppedBy = t - 1000;
        let detected: number | null = null;
        for (; t < stoppedBy + 10_000; t += 1000) if (h.observe(t, ok(bytes)) === MediaPath.Reconnecting) detected ??= t;
        expect(detected).not.toBeNull();
        expect(detected! - stoppedBy).toBeLessThanOrEqual(5000);
      }),
    );
  });

  it('treats ICE disconnected or failed as reconnecting at once', () => {
    const h = new PeerHealth(0);
    h.observe(1000, ok(100));
    expect(h.observe(1500, { bytes: 100, ice: 'disconnected' })).toBe(MediaPath.Reconnecting);
    expect(h.observe(2500, { bytes: 200, ice: 'connected' })).toBe(MediaPath.Flowing);
    expect(h.observe(3000, { bytes: 200, ice: 'failed' })).toBe(MediaPath.Reconnecting);
  });

  it('a peer that never flowed stays connecting, even when ICE fails', () => {
    const h = new PeerHealth(0);
    expect(h.observe(1000, { bytes: 0, ice: 'failed' })).toBe(MediaPath.Connecting);
    expect(h.observe(2000, null)).toBe(MediaPath.Connecting);
  });

  it('once media flowed, a lost or new connection is reconnecting until bytes arrive on it', () => {
    const h = new PeerHealth(0);
    h.observe(1000, ok(5000));
    expect(h.observe(2000, null)).toBe(MediaPath.Reconnecting);
    expect(h.newConnection(2500)).toBe(MediaPath.Reconnecting);
    // The new connection's counter starts from 0: a small count is growth, not a stall.
    expect(h.observe(3500, ok(0))).toBe(MediaPath.Reconnecting);
    expect(h.observe(4500, ok(40))).toBe(MediaPath.Flowing);
  });

  describe('recallDue (the caller places a fresh call)', () => {
    it('after more than 3 s reconnecting', () => {
      const h = new PeerHealth(0);
      h.observe(1000, ok(100));
      h.observe(3000, ok(100)); // stalled: reconnecting since 3000
      expect(h.path).toBe(MediaPath.Reconnecting);
      expect(h.recallDue(6000)).toBe(false);
      h.observe(6000, ok(100));
      expect(h.recallDue(6001)).toBe(true);
    });

    it('at once when ICE failed', () => {
      const h = new PeerHealth(0);
      h.observe(1000, ok(100));
      h.observe(1500, { bytes: 100, ice: 'failed' });
      expect(h.recallDue(1500)).toBe(true);
    });

    it('not while ICE is only disconnected for up to 3 s (it may come back by itself)', () => {
      const h = new PeerHealth(0);
      h.observe(1000, ok(100));
      h.observe(1500, { bytes: 100, ice: 'disconnected' });
      expect(h.recallDue(4500)).toBe(false);
      expect(h.recallDue(4501)).toBe(true);
    });

    it('never while flowing', () => {
      const h = new PeerHealth(0);
      for (let t = 1000; t < 20_000; t += 1000) {
        h.observe(t, ok(t));
        expect(h.recallDue(t)).toBe(false);
      }
    });

    it('a connection that never flowed gets the connect timeout', () => {
      const h = new PeerHealth(0);
      h.newConnection(1000);
      h.observe(2000, { bytes: 0, ice: 'checking' });
      expect(h.recallDue(1000 + PATH_DEFAULTS.connectTimeoutMs)).toBe(false);
      expect(h.recallDue(1001 + PATH_DEFAULTS.connectTimeoutMs)).toBe(true);
    });

    it('a re-placed connection is not dropped again before its own connect timeout', () => {
      const h = new PeerHealth(0);
      h.observe(1000, ok(100));
      h.observe(3000, ok(100));
      h.newConnection(7000);
      h.observe(8000, { bytes: 0, ice: 'checking' });
      expect(h.recallDue(9000)).toBe(false);
    });
  });
});

describe('aggregatePath', () => {
  it('is reconnecting if any peer is, else flowing if any flows, else connecting', () => {
    expect(aggregatePath([])).toBe(MediaPath.Connecting);
    expect(aggregatePath([MediaPath.Connecting, MediaPath.Connecting])).toBe(MediaPath.Connecting);
    expect(aggregatePath([MediaPath.Flowing, MediaPath.Connecting])).toBe(MediaPath.Flowing);
    expect(aggregatePath([MediaPath.Flowing, MediaPath.Reconnecting])).toBe(MediaPath.Reconnecting);
    expect(aggregatePath([MediaPath.Connecting, MediaPath.Reconnecting, MediaPath.Flowing])).toBe(MediaPath.Reconnecting);
  });
});

describe('recallDelayMs', () => {
  it('backs off 1 s, 2 s, 4 s, then stays at 5 s', () => {
    expect([1, 2, 3, 4, 5, 10, 50].map(recallDelayMs)).toEqual([1000, 2000, 4000, 5000, 5000, 5000, 5000]);
  });
});
