/** The fake PeerJS peer, connections and senders of the MediaLink unit tests (no browser, no network). */
import { vi } from 'vitest';
import { Role, type MediaPeer, type Party } from '../../protocol/index';

type Handler = (...args: never[]) => void;
export class Events {
  private readonly handlers = new Map<string, Set<Handler>>();
  on(event: string, fn: Handler): this {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(fn);
    return this;
  }
  once(event: string, fn: Handler): this {
    return this.on(event, fn);
  }
  off(event: string, fn: Handler): this {
    this.handlers.get(event)?.delete(fn);
    return this;
  }
  fire(event: string, ...args: unknown[]): void {
    for (const fn of [...(this.handlers.get(event) ?? [])]) (fn as (...a: unknown[]) => void)(...args);
  }
}

/** A sender as MediaLink drives it: PeerJS put a track on it; `replaceTrack` swaps it without renegotiation. */
export class FakeSender {
  track: unknown = { kind: 'peerjs-added' };
  active = true;
  replaced: unknown[] = [];
  async replaceTrack(t: unknown): Promise<void> {
    this.track = t;
    this.replaced.push(t);
  }
  getParameters() {
    return { encodings: [{ active: this.active }] };
  }
  async setParameters(p: { encodings: { active: boolean }[] }): Promise<void> {
    this.active = p.encodings[0]!.active;
  }
}

export class FakePc {
  iceConnectionState: RTCIceConnectionState = 'connected';
  connectionState: RTCPeerConnectionState = 'connected';
  bytes = 0;
  readonly transceivers = (['audio', 'video'] as const).map((kind) => ({ currentDirection: 'sendrecv', receiver: { track: { kind } }, sender: new FakeSender() }));
  getTransceivers() {
    return this.transceivers;
  }
  senderOf(kind: 'audio' | 'video'): FakeSender {
    return this.transceivers.find((t) => t.receiver.track.kind === kind)!.sender;
  }
  /** What goes out of this kind: the track while its encoding is active, else null. */
  trackOf(kind: 'audio' | 'video'): unknown {
    const s = this.senderOf(kind);
    return s.active ? s.track : null;
  }
  async getStats(): Promise<Map<string, Record<string, unknown>>> {
    return new Map([['in', { id: 'in', type: 'inbound-rtp', bytesReceived: this.bytes }]]);
  }
}

export class FakeConn extends Events {
  readonly peerConnection = new FakePc();
  closed = false;
  answeredWith: unknown = null;
  constructor(readonly peer: string) {
    super();
  }
  answer(stream: unknown): void {
    this.answeredWith = stream;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fire('close');
  }
}

export class FakePeer extends Events {
  destroyed = false;
  disconnected = false;
  readonly calls: FakeConn[] = [];
  reconnects = 0;
  constructor(readonly id: string) {
    super();
  }
  call(peerId: string): FakeConn | undefined {
    if (this.disconnected) return undefined;
    const c = new FakeConn(peerId);
    this.calls.push(c);
    return c;
  }
  reconnect(): void {
    this.reconnects++;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** An offer from a remote peer. */
  ring(from: string): FakeConn {
    const c = new FakeConn(from);
    this.fire('call', c);
    return c;
  }
}

export const track = (kind: string) => ({ kind, enabled: true, stop: vi.fn() });
export const fakeStream = () => {
  const tracks = [track('audio'), track('video')];
  return {
    tracks,
    getTracks: () => tracks,
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video'),
  };
};


export const agent: Party = { role: Role.Agent, id: '7' };
export const shopper: Party = { role: Role.Shopper, id: 's1' };
/** A `media.peers` entry. */
export const peerOf = (party: Party, peerId: string, placeCall: boolean): MediaPeer => ({ party, name: party.role, peerId, placeCall });
