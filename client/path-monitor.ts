/**
 * The pure decisions about a media path: is media flowing from a remote peer, has it stalled,
 * should the caller drop the connection and call again. Fed with getStats() readings; no I/O.
 */
import { MediaPath } from '../protocol/index';

export type PathOptions = {
  /** No inbound bytes for this long on a connection that flowed: reconnecting. */
  stallMs: number;
  /** Reconnecting this long (or ICE failed): the caller places a fresh call. */
  recallAfterMs: number;
  /** A connection that never flowed gets this long before the caller tries again. */
  connectTimeoutMs: number;
};
export const PATH_DEFAULTS: Readonly<PathOptions> = { stallMs: 2000, recallAfterMs: 3000, connectTimeoutMs: 10_000 };

/** One getStats() reading of a connection: inbound RTP bytes so far and the ICE state. */
export type PathReading = { bytes: number; ice: RTCIceConnectionState };

/**
 * One remote peer's media path across its successive connections (a re-call, an answer from the
 * peer's reloaded page): `Connecting` until media first flows, then `Flowing` or `Reconnecting`.
 */
export class PeerHealth {
  private current: MediaPath = MediaPath.Connecting;
  private everFlowed = false;
  private connFlowed = false;
  private connSince: number;
  private bytes = 0;
  private lastGrowthAt = 0;
  private reconnectingSince: number | null = null;
  private iceFailed = false;

  constructor(
    now: number,
    private readonly opts: Readonly<PathOptions> = PATH_DEFAULTS,
  ) {
    this.connSince = now;
  }

  get path(): MediaPath {
    return this.current;
  }

  /** Whether media ever flowed from this peer (then a lost path is `Reconnecting`, not `Connecting`). */
  get flowed(): boolean {
    return this.everFlowed;
  }

  /** A new connection to this peer starts now (a call placed or answered): its byte count starts at 0. */
  newConnection(now: number): MediaPath {
    this.connSince = now;
    this.connFlowed = false;
    this.bytes = 0;
    this.iceFailed = false;
    return this.set(now, this.everFlowed ? MediaPath.Reconnecting : MediaPath.Connecting);
  }

  /** A reading of the live connection, or null when there is none (closed, waiting for a call). */
  observe(now: number, reading: PathReading | null): MediaPath {
    if (!reading) {
      this.iceFailed = false;
      return this.set(now, this.everFlowed ? MediaPath.Reconnecting : MediaPath.Connecting);
    }
    const grew = reading.bytes > this.bytes;
    this.bytes = reading.bytes;
    this.iceFailed = reading.ice === 'failed';
    if (grew) {
      this.lastGrowthAt = now;
      this.connFlowed = this.everFlowed = true;
    }
    if (reading.ice === 'disconnected' || reading.ice === 'failed' || reading.ice === 'closed')
      return this.set(now, this.everFlowed ? MediaPath.Reconnecting : MediaPath.Connecting);
    if (grew) return this.set(now, MediaPath.Flowing);
    if (!this.connFlowed) return this.set(now, this.everFlowed ? MediaPath.Reconnecting : MediaPath.Connecting);
    if (now - this.lastGrowthAt >= this.opts.stallMs) return this.set(now, MediaPath.Reconnecting);
    return this.current;
  }

  /** Whether the caller should close this connection and place a fresh call (a new ICE gathering). */
  recallDue(now: number): boolean {
    if (this.iceFailed) return true;
    if (!this.connFlowed) return now - this.connSince > this.opts.connectTimeoutMs;
    return this.reconnectingSince !== null && now - this.reconnectingSince > this.opts.recallAfterMs;
  }

  private set(now: number, path: MediaPath): MediaPath {
    if (path !== MediaPath.Reconnecting) this.reconnectingSince = null;
    else if (this.reconnectingSince === null) this.reconnectingSince = now;
    return (this.current = path);
  }
}

/**
 * One path for the whole link: `Reconnecting` if any peer's media is lost, else `Flowing` if any
 * flows (a peer still connecting, e.g. a supervisor joining, does not hide a working call), else
 * `Connecting`.
 */
export function aggregatePath(paths: Iterable<MediaPath>): MediaPath {
  let flowing = false;
  for (const p of paths) {
    if (p === MediaPath.Reconnecting) return MediaPath.Reconnecting;
    if (p === MediaPath.Flowing) flowing = true;
  }
  return flowing ? MediaPath.Flowing : MediaPath.Connecting;
}

/** The wait before the nth consecutive re-call to one peer (n ≥ 1): 1 s, 2 s, 4 s, then 5 s. */
export function recallDelayMs(n: number): number {
  return Math.min(1000 * 2 ** Math.max(0, n - 1), 5000);
}
