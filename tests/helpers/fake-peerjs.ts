/**
 * PeerJS and the browser's media for Node, where neither exists: a `Peer` with PeerJS's surface as
 * MediaLink uses it (open, call, answer, close, destroy, disconnected), whose calls connect peers
 * of this process directly, with getStats() readings that grow while a call is answered; and a
 * `navigator.mediaDevices.getUserMedia` that hands out track-like objects.
 *
 * Only third-party and browser code is replaced: our MediaLink, ConversationMedia and
 * ConversationSession run as they are, against the real server (credentials, media.join,
 * media.peers, media.path). Use with `vi.mock('peerjs', …)` and `installMediaDevices()`.
 */
import { EventEmitter } from 'node:events';

export type FakeTrack = { kind: 'audio' | 'video'; enabled: boolean; readyState: 'live' | 'ended'; stops: number; stop(): void };
export type FakeStream = {
  readonly n: number;
  readonly tracks: FakeTrack[];
  getTracks(): FakeTrack[];
  getAudioTracks(): FakeTrack[];
  getVideoTracks(): FakeTrack[];
};

let streams = 0;
function fakeStream(video: boolean): FakeStream {
  const track = (kind: FakeTrack['kind']): FakeTrack => ({
    kind,
    enabled: true,
    readyState: 'live',
    stops: 0,
    stop() {
      this.stops++;
      this.readyState = 'ended';
    },
  });
  const tracks = video ? [track('audio'), track('video')] : [track('audio')];
  return {
    n: ++streams,
    tracks,
    getTracks: () => tracks,
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video'),
  };
}

/** `navigator.mediaDevices.getUserMedia`: every stream handed out, or a refusal while `refuse` is set. */
export const media = {
  refuse: false,
  given: [] as { constraints: MediaStreamConstraints; stream: FakeStream }[],
};

/** Installs the fake `navigator` (Node 20 has none); returns a function that removes it. */
export function installMediaDevices(): () => void {
  const g = globalThis as { navigator?: unknown };
  const before = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: {
      mediaDevices: {
        async getUserMedia(constraints: MediaStreamConstraints) {
          if (media.refuse) throw Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' });
          const stream = fakeStream(Boolean(constraints.video));
          media.given.push({ constraints, stream });
          return stream;
        },
      },
    },
  });
  return () => {
    if (before) Object.defineProperty(globalThis, 'navigator', before);
    else delete g.navigator;
  };
}

/** A transceiver as MediaLink uses it: the receiver's kind and a sender whose track can be replaced (null: nothing sent). */
type FakeSender = {
  track: FakeTrack | null;
  active: boolean;
  replaceTrack(t: FakeTrack | null): Promise<void>;
  getParameters(): { encodings: { active: boolean }[] };
  setParameters(p: { encodings: { active: boolean }[] }): Promise<void>;
};
type FakeTransceiver = { currentDirection: string; receiver: { track: { kind: string } }; sender: FakeSender };

/**
 * An RTCPeerConnection as MediaLink reads it: one transceiver per local track (PeerJS adds them
 * when it creates the connection), and inbound bytes that grow only while the connection is up
 * and the remote end's senders carry a track with an active encoding — a warm connection reads 0.
 */
class FakePc {
  iceConnectionState: RTCIceConnectionState = 'new';
  connectionState: RTCPeerConnectionState = 'new';
  signalingState: RTCSignalingState = 'stable';
  remote: FakePc | null = null;
  private upAt: number | null = null;
  private sentBefore = 0;
  private sendingSince: number | null = null;
  private transceivers: FakeTransceiver[] = [];

  addTracks(stream: unknown): void {
    const tracks = (stream as FakeStream | null)?.getTracks?.() ?? [];
    for (const track of tracks) {
      const sender: FakeSender = {
        track,
        active: true,
        replaceTrack: async (t) => {
          sender.track = t;
          this.resync();
        },
        getParameters: () => ({ encodings: [{ active: sender.active }] }),
        setParameters: async (p) => {
          sender.active = p.encodings.every((e) => e.active);
          this.resync();
        },
      };
      this.transceivers.push({ currentDirection: 'sendrecv', receiver: { track: { kind: track.kind } }, sender });
    }
  }
  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }
  up(remote: FakePc): void {
    this.remote = remote;
    this.upAt = Date.now();
    this.iceConnectionState = 'connected';
    this.connectionState = 'connected';
    this.resync();
  }
  close(): void {
    this.upAt = null;
    this.resync();
    this.iceConnectionState = 'closed';
    this.connectionState = 'closed';
    this.signalingState = 'closed';
  }
  /** How long this end has sent media (ms). */
  sentMs(): number {
    return this.sentBefore + (this.sendingSince === null ? 0 : Date.now() - this.sendingSince);
  }
  async getStats(): Promise<Map<string, Record<string, unknown>>> {
    const ms = this.upAt === null ? 0 : (this.remote?.sentMs() ?? 0);
    return new Map<string, Record<string, unknown>>([
      ['in', { id: 'in', type: 'inbound-rtp', kind: 'video', bytesReceived: ms * 100, packetsReceived: ms, packetsLost: 0, jitter: 0.002 }],
      ['pair', { id: 'pair', type: 'candidate-pair', nominated: true, state: 'succeeded', localCandidateId: 'l', remoteCandidateId: 'r', currentRoundTripTime: 0.02 }],
      ['l', { id: 'l', type: 'local-candidate', candidateType: 'host' }],
      ['r', { id: 'r', type: 'remote-candidate', candidateType: 'host' }],
    ]);
  }
  private resync(): void {
    const now = Date.now();
    const active = this.upAt !== null && this.transceivers.some((t) => t.sender.track !== null && t.sender.active);
    if (active && this.sendingSince === null) this.sendingSince = now;
    if (!active && this.sendingSince !== null) {
      this.sentBefore += now - this.sendingSince;
      this.sendingSince = null;
    }
  }
}

/** One end of a call (PeerJS's MediaConnection). */
export class FakeConn extends EventEmitter {
  readonly peerConnection = new FakePc();
  other: FakeConn | null = null;
  open = true;

  constructor(
    /** The remote peer's id. */
    readonly peer: string,
    public stream: unknown,
  ) {
    super();
  }

  answer(stream: unknown): void {
    const other = this.other;
    if (!this.open || !other?.open) return;
    this.stream = stream;
    this.peerConnection.addTracks(stream);
    // Like ICE and DTLS, the connection comes up after the answer's task.
    setTimeout(() => {
      if (!this.open || !other.open) return;
      this.peerConnection.up(other.peerConnection);
      other.peerConnection.up(this.peerConnection);
      this.emit('stream', other.stream);
      other.emit('stream', stream);
    }, 0);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.peerConnection.close();
    this.emit('close');
    this.other?.close();
  }
}

const registry = new Map<string, FakePeer>();

/** PeerJS's Peer: `open` on the next tick; `call` reaches a peer of this process by id. */
export class FakePeer extends EventEmitter {
  static readonly all: FakePeer[] = [];
  destroyed = false;
  disconnected = false;
  readonly placed: FakeConn[] = [];
  readonly received: FakeConn[] = [];

  constructor(
    readonly id: string,
    readonly options: unknown,
  ) {
    super();
    registry.set(id, this);
    FakePeer.all.push(this);
    setTimeout(() => !this.destroyed && this.emit('open', id), 0);
  }

  static byId(id: string): FakePeer | undefined {
    return FakePeer.all.find((p) => p.id === id);
  }

  call(peerId: string, stream: unknown): FakeConn | undefined {
    if (this.destroyed || this.disconnected) return undefined;
    const mine = new FakeConn(peerId, stream);
    mine.peerConnection.addTracks(stream);
    this.placed.push(mine);
    const target = registry.get(peerId);
    if (target && !target.destroyed) {
      const theirs = new FakeConn(this.id, null);
      mine.other = theirs;
      theirs.other = mine;
      target.received.push(theirs);
      setTimeout(() => target.emit('call', theirs), 0);
    }
    return mine;
  }

  /** The signaling socket dropped (PeerJS's `disconnected`). */
  dropSignaling(): void {
    this.disconnected = true;
    this.emit('disconnected', this.id);
  }

  reconnect(): void {
    this.disconnected = false;
    this.emit('open', this.id);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    registry.delete(this.id);
    for (const c of [...this.placed, ...this.received]) c.close();
  }
}
