import { Peer, type MediaConnection, type PeerError, type PeerErrorType } from 'peerjs';
import {
  CounterpartError,
  ErrorCode,
  MediaPath,
  RtcCredentials,
  apiRequest,
  partyKey,
  type MediaPeer,
  type Party,
  type QosSample,
} from '../protocol/index';
import { Emitter } from './emitter';
import { PATH_DEFAULTS, PeerHealth, aggregatePath, recallDelayMs, type PathOptions } from './path-monitor';
import { sampleQos } from './qos';
import { withStartBitrate } from './sdp';
import { ERROR_CODES, FINAL_PEER_ERRORS, applySending, readPath } from './senders';

export type MediaLinkEvents = {
  /** Media from a remote party: on its first connection and again on every re-call or reload. */
  remoteStream: (party: Party, stream: MediaStream) => void;
  /** The party is no longer in `media.peers`: its connection was closed. */
  remoteLeft: (party: Party) => void;
  /** The media path over every remote peer, on change only (it starts as `connecting`). */
  path: (path: MediaPath) => void;
  /** getStats() samples of the first connection, every QOS_INTERVAL_MS. */
  qos: (sample: QosSample) => void;
  /** PeerJS errors after open. `unauthorized`: the signaling credentials expired, open a new link. */
  error: (err: CounterpartError) => void;
};

export type MediaLinkOptions = PathOptions & {
  /** getStats() poll per connection, for the media path. */
  pollMs: number;
  /** How long an offer from a peer not (yet) in `media.peers` is held. */
  earlyHoldMs: number;
  /** When the peer token expires (ms since the epoch): a signaling drop after it is not retried. */
  expiresAt: number;
  /**
   * Whether the local media goes out. `false` warms the link up (pre-connect while ringing): calls
   * are placed and answered, ICE, DTLS and codecs negotiated, but every sender's encodings are
   * inactive, so no audio or video leaves; `setSending(true)` activates them without renegotiating.
   */
  sending: boolean;
  /** Video starts at this bitrate (kbps) instead of the browser's 300 (see client/sdp.ts). */
  startBitrateKbps: number;
};
const DEFAULTS: Readonly<MediaLinkOptions> = { ...PATH_DEFAULTS, pollMs: 1000, earlyHoldMs: 10_000, expiresAt: Infinity, sending: true, startBitrateKbps: 1000 };

type Remote = {
  readonly party: Party;
  name: string;
  peerId: string;
  placeCall: boolean;
  conn: MediaConnection | null;
  readonly health: PeerHealth;
  /** Consecutive re-calls without media flowing, for the backoff. */
  recalls: number;
  recallTimer: ReturnType<typeof setTimeout> | null;
};

const OPEN_TIMEOUT_MS = 10_000;

/**
 * This client's media in one media session: a PeerJS peer with a server-issued id, one
 * MediaConnection per remote party (no DataConnection: chat goes over the realtime channel), a
 * watch on each path, and a fresh call (a new ICE gathering, TURN included) when a path this side
 * calls stays dead. PeerJS cannot renegotiate a connection, so a re-call is the ICE restart.
 * Made with `sending: false`, it is a warm link (pre-connect while ringing): see `setSending`.
 */
export class MediaLink extends Emitter<MediaLinkEvents> {
  private readonly opts: MediaLinkOptions;
  private readonly remotes = new Map<string, Remote>();
  private readonly early: MediaConnection[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly poll: ReturnType<typeof setInterval>;
  private current: MediaPath = MediaPath.Connecting;
  private qosConn: MediaConnection | null = null;
  private qosAbort: AbortController | null = null;
  private signalBackoff = 1000;
  private sending: boolean;
  private checking = false;
  private closed = false;

  /** Takes an open peer (see `open`); public so tests can drive it with a fake one. */
  constructor(
    readonly peer: Peer,
    readonly localStream: MediaStream,
    opts: Partial<MediaLinkOptions> = {},
  ) {
    super();
    this.opts = { ...DEFAULTS, ...opts };
    this.sending = this.opts.sending;
    peer.on('open', () => (this.signalBackoff = 1000));
    peer.on('disconnected', () => this.signalingLost());
    peer.on('error', (err) => this.peerError(err));
    peer.on('call', (call) => this.incoming(call));
    peer.on('connection', (conn) => conn.close());
    this.poll = setInterval(() => void this.check(), this.opts.pollMs);
  }

  /** Gets a peer id, token and ICE servers from the server, then connects to the PeerServer with them (or fails within OPEN_TIMEOUT_MS). */
  static async open(o: { baseUrl: string; token: string; localStream: MediaStream } & Partial<MediaLinkOptions>): Promise<MediaLink> {
    const { baseUrl, token, localStream, ...opts } = o;
    const creds = await apiRequest(baseUrl, '/api/rtc/credentials', RtcCredentials, { token, body: {} });
    const base = new URL(baseUrl);
    const secure = base.protocol === 'https:';
    const peer = new Peer(creds.peerId, {
      host: base.hostname,
      port: Number(base.port || (secure ? 443 : 80)),
      secure,
      path: creds.peer.path,
      key: creds.peer.key,
      token: creds.peerToken,
      debug: 0,
      config: { iceServers: creds.iceServers, iceTransportPolicy: creds.iceTransportPolicy },
    });
    let refused: ((err: PeerError<`${PeerErrorType}`>) => void) | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        // Only a refused id or token is final; a network failure, a full or restarting server is tried again.
        refused = (err) =>
          reject(new CounterpartError(FINAL_PEER_ERRORS.has(err.type) ? ErrorCode.Unauthorized : ErrorCode.Unavailable, `Signaling failed: ${err.type}`, undefined, { cause: err }));
        peer.once('open', () => resolve());
        peer.once('error', refused);
        timer = setTimeout(() => reject(new CounterpartError(ErrorCode.Unavailable, 'Signaling did not answer')), OPEN_TIMEOUT_MS);
      });
    } catch (err) {
      peer.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
      if (refused) peer.off('error', refused);
    }
    const expiresAt = Date.parse(creds.expiresAt);
    return new MediaLink(peer, localStream, { expiresAt: Number.isNaN(expiresAt) ? Infinity : expiresAt, ...opts });
  }

  get peerId(): string {
    return this.peer.id;
  }

  get path(): MediaPath {
    return this.current;
  }

  /** The remote peers of the media session, from `media.peers` (sent again whenever one joins or rejoins). */
  setPeers(peers: readonly MediaPeer[]): void {
    if (this.closed) return;
    const listed = new Set<string>();
    for (const p of peers) {
      if (p.peerId === this.peer.id) continue;
      const key = partyKey(p.party);
      listed.add(key);
      let r = this.remotes.get(key);
      if (!r) {
        r = { party: p.party, name: p.name, peerId: p.peerId, placeCall: p.placeCall, conn: null, health: new PeerHealth(Date.now(), this.opts), recalls: 0, recallTimer: null };
        this.remotes.set(key, r);
      } else if (r.peerId !== p.peerId) {
        // The remote reloaded its page (a new peer): the old connection leads nowhere.
        this.cancelRecall(r);
        this.drop(r);
        r.peerId = p.peerId;
        r.recalls = 0;
      }
      r.name = p.name;
      r.placeCall = p.placeCall;
      if (r.placeCall) {
        if (!r.conn && !r.recallTimer) this.place(r);
      } else {
        this.cancelRecall(r);
        const held = this.takeEarly(r.peerId);
        if (held) this.accept(r, held);
      }
    }
    for (const [key, r] of this.remotes) {
      if (listed.has(key)) continue;
      this.cancelRecall(r);
      this.drop(r);
      this.remotes.delete(key);
      this.emit('remoteLeft', r.party);
    }
    this.updateQos();
    this.report();
  }

  /** Attaches (or detaches) the local tracks on every connection's senders: no renegotiation, media flows (or stops) at once. */
  setSending(on: boolean): void {
    if (this.sending === on || this.closed) return;
    this.sending = on;
    const now = Date.now();
    for (const r of this.remotes.values()) {
      if (!r.conn) continue;
      this.applySending(r.conn);
      // The connect timeout counts from when media may flow, not from the warm-up.
      if (on) r.health.newConnection(now);
    }
    this.updateQos();
  }

  get isSending(): boolean { return this.sending; }

  setMicEnabled(on: boolean): void {
    for (const t of this.localStream.getAudioTracks()) t.enabled = on;
  }

  setCameraEnabled(on: boolean): void {
    for (const t of this.localStream.getVideoTracks()) t.enabled = on;
  }

  /** Ends every connection and the peer; stops the local tracks unless `keepLocalTracks` (to open a new link with them). */
  close(opts: { keepLocalTracks?: boolean } = {}): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poll);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.qosAbort?.abort();
    for (const r of this.remotes.values()) this.drop(r);
    this.remotes.clear();
    for (const c of this.early.splice(0)) c.close();
    this.peer.destroy();
    if (!opts.keepLocalTracks) for (const t of this.localStream.getTracks()) t.stop();
  }

  // -------------------------------------------------------------------------------------------

  private incoming(call: MediaConnection): void {
    if (this.closed) return void call.close();
    const r = [...this.remotes.values()].find((x) => x.peerId === call.peer);
    if (!r) {
      // The offer overtook `media.peers` (two sockets, two servers): hold it briefly.
      if (this.early.length >= 4) return void call.close();
      this.early.push(call);
      this.later(this.opts.earlyHoldMs, () => {
        const i = this.early.indexOf(call);
        if (i >= 0) this.early.splice(i, 1)[0]!.close();
      });
      return;
    }
    if (r.placeCall) return void call.close(); // this side calls that peer
    this.accept(r, call);
  }

  /** The newest held offer from this peer id (older ones are closed). */
  private takeEarly(peerId: string): MediaConnection | null {
    let newest: MediaConnection | null = null;
    for (let i = 0; i < this.early.length; ) {
      if (this.early[i]!.peer !== peerId) i++;
      else {
        newest?.close();
        newest = this.early.splice(i, 1)[0]!;
      }
    }
    return newest;
  }

  private readonly sdpTransform = (sdp: string) => withStartBitrate(sdp, this.opts.startBitrateKbps);

  private accept(r: Remote, call: MediaConnection): void {
    this.drop(r);
    call.answer(this.localStream, { sdpTransform: this.sdpTransform });
    this.applySending(call);
    this.attach(r, call);
  }

  private place(r: Remote): void {
    // PeerJS returns nothing while the signaling socket is down: try again with the backoff.
    const call = this.peer.call(r.peerId, this.localStream, { sdpTransform: this.sdpTransform }) as MediaConnection | undefined;
    if (call) this.applySending(call);
    if (call) this.attach(r, call);
    else this.recall(r);
  }

  private applySending = (call: MediaConnection) => applySending(call.peerConnection as RTCPeerConnection | undefined, this.localStream, this.sending);

  private attach(r: Remote, call: MediaConnection): void {
    r.conn = call;
    r.health.newConnection(Date.now());
    let gotStream = false;
    call.on('stream', (stream) => {
      if (r.conn !== call || gotStream) return; // PeerJS emits once per track
      gotStream = true;
      this.emit('remoteStream', r.party, stream);
      this.updateQos();
    });
    call.on('close', () => {
      if (r.conn !== call || this.closed) return;
      r.conn = null;
      r.health.observe(Date.now(), null);
      if (r.placeCall) this.recall(r);
      this.updateQos();
      this.report();
    });
    call.on('error', (err) => {
      if (r.conn === call && !this.closed)
        this.emit('error', new CounterpartError(ErrorCode.Internal, `Media connection to ${r.name} failed: ${err.type}`, undefined, { cause: err }));
    });
  }

  /** Closes the connection to this remote without a re-call. */
  private drop(r: Remote): void {
    const c = r.conn;
    r.conn = null;
    c?.close();
  }

  /** Drops a dead connection this side placed and calls again after the backoff (1 s, 2 s, 4 s, then 5 s). */
  private recall(r: Remote): void {
    if (r.recallTimer || this.closed) return;
    this.drop(r);
    r.recalls++;
    r.recallTimer = this.later(recallDelayMs(r.recalls), () => {
      r.recallTimer = null;
      if (this.remotes.get(partyKey(r.party)) === r && r.placeCall && !r.conn) this.place(r);
    });
  }

  private cancelRecall(r: Remote): void {
    if (!r.recallTimer) return;
    clearTimeout(r.recallTimer);
    this.timers.delete(r.recallTimer);
    r.recallTimer = null;
  }

  private async check(): Promise<void> {
    if (this.closed || this.checking) return;
    this.checking = true;
    try {
      await Promise.all(
        [...this.remotes.values()].map(async (r) => {
          const conn = r.conn;
          const reading = conn ? await readPath(conn.peerConnection) : null;
          if (this.closed || r.conn !== conn) return;
          const now = Date.now();
          if (r.health.observe(now, reading) === MediaPath.Flowing) r.recalls = 0;
          // A warm connection carries no media by design: only a failed ICE makes it worth a new call.
          else if (conn && r.placeCall && (this.sending ? r.health.recallDue(now) : reading?.ice === 'failed')) this.recall(r);
        }),
      );
      if (!this.closed) this.report();
    } finally {
      this.checking = false;
    }
  }

  private report(): void {
    const path = aggregatePath([...this.remotes.values()].map((r) => r.health.path));
    if (path === this.current || this.closed) return;
    this.current = path;
    this.emit('path', path);
  }

  /** QoS samples follow the first remote's live connection (none while warm: no media to measure). */
  private updateQos(): void {
    const conn = this.sending ? ([...this.remotes.values()].find((r) => r.conn?.peerConnection)?.conn ?? null) : null;
    if (conn === this.qosConn || this.closed) return;
    this.qosAbort?.abort();
    this.qosAbort = null;
    this.qosConn = conn;
    if (!conn) return;
    const abort = (this.qosAbort = new AbortController());
    sampleQos(conn.peerConnection, (s) => this.emit('qos', s), abort.signal);
  }

  private signalingLost(): void {
    if (this.closed || this.peer.destroyed) return;
    if (Date.now() >= this.opts.expiresAt - 5000) {
      this.emit('error', new CounterpartError(ErrorCode.Unauthorized, 'The signaling credentials expired: open a new media link'));
      return;
    }
    // Come back with backoff and jitter (1 s doubling to 30 s), not every second.
    const delay = this.signalBackoff * (0.5 + Math.random());
    this.signalBackoff = Math.min(this.signalBackoff * 2, 30_000);
    this.later(delay, () => {
      if (!this.peer.destroyed && this.peer.disconnected) this.peer.reconnect();
    });
  }

  private peerError(err: PeerError<`${PeerErrorType}`>): void {
    if (this.closed) return;
    if (err.type === 'peer-unavailable') {
      // A call to a peer the PeerServer no longer has: drop it (the caller retries with backoff).
      for (const r of this.remotes.values()) if (r.placeCall && r.conn && err.message.endsWith(` ${r.peerId}`)) this.recall(r);
    }
    const code = ERROR_CODES[err.type] ?? ErrorCode.Internal;
    this.emit('error', new CounterpartError(code, `Media link: ${err.type}: ${err.message}`, undefined, { cause: err }));
  }

  private later(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
    return t;
  }
}
