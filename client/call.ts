import { Peer, type DataConnection, type MediaConnection } from 'peerjs';
import {
  ErrorCode,
  CounterpartError,
  MediaKind,
  PeerDataMessage,
  RtcCredentials,
  apiRequest,
  type QosSample,
} from '../protocol/index';
import { Emitter } from './emitter';
import { sampleQos } from './qos';

export type ChatLine = { from: 'me' | 'them'; text: string; at: string };

export type PeerCallEvents = {
  remoteStream: (stream: MediaStream) => void;
  dataOpen: () => void;
  chat: (line: ChatLine) => void;
  qos: (sample: QosSample) => void;
  /** The media connection closed (the other side left or the network died). */
  closed: () => void;
  error: (err: CounterpartError) => void;
};

export class MediaDeniedError extends CounterpartError {
  constructor(cause: unknown) {
    super(ErrorCode.Forbidden, 'Camera or microphone access was denied', undefined, { cause });
    this.name = 'MediaDeniedError';
  }
}

/** Camera and microphone for a call of this kind. */
export async function getLocalMedia(kind: MediaKind): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: kind === MediaKind.Video ? { width: 640, height: 480 } : false });
  } catch (err) {
    throw new MediaDeniedError(err);
  }
}

/**
 * One party's side of a call over PeerJS: a peer id issued and proven by the server, the media
 * call, a DataConnection for chat, and QoS sampling. The agent places the call; the shopper
 * answers only the peer the server named.
 */
export class PeerCall extends Emitter<PeerCallEvents> {
  private media: MediaConnection | null = null;
  private data: DataConnection | null = null;
  private readonly abort = new AbortController();
  private remotePeerId: string | null = null;

  private constructor(
    readonly peer: Peer,
    readonly peerId: string,
    readonly localStream: MediaStream,
  ) {
    super();
    // Signaling dropped: come back with backoff and jitter (1 s doubling to 30 s), not every second.
    let backoff = 1000;
    peer.on('open', () => (backoff = 1000));
    peer.on('disconnected', () => {
      if (peer.destroyed) return;
      setTimeout(() => !peer.destroyed && peer.disconnected && peer.reconnect(), backoff * (0.5 + Math.random()));
      backoff = Math.min(backoff * 2, 30_000);
    });
    // The server already refuses signaling from anyone but the assigned peer; this is the second
    // lock. An offer may overtake the server's `call.connect` (two sockets): hold it briefly.
    peer.on('call', (call) => this.incoming(call));
    peer.on('connection', (conn) => this.incoming(conn));
  }

  private readonly early: (MediaConnection | DataConnection)[] = [];

  private incoming(conn: MediaConnection | DataConnection): void {
    if (this.remotePeerId === null && this.early.length < 4) {
      this.early.push(conn);
      setTimeout(() => {
        const i = this.early.indexOf(conn);
        if (i >= 0) this.early.splice(i, 1)[0]!.close();
      }, 10_000);
      return;
    }
    if (conn.peer !== this.remotePeerId) return void conn.close();
    if (conn.type === 'media') {
      const call = conn as MediaConnection;
      if (this.media) return void call.close();
      call.answer(this.localStream);
      this.attachMedia(call);
    } else {
      if (this.data) return void conn.close();
      this.attachData(conn as DataConnection);
    }
  }

  /** Gets a peer id and token from the server, then connects to the PeerServer with them. */
  static async open(opts: { baseUrl: string; token: string; localStream: MediaStream }): Promise<PeerCall> {
    const creds = await apiRequest(opts.baseUrl, '/api/rtc/credentials', RtcCredentials, { token: opts.token, body: {} });
    const base = new URL(opts.baseUrl);
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
    try {
      await new Promise<void>((resolve, reject) => {
        peer.once('open', () => resolve());
        peer.once('error', (err) => reject(new CounterpartError(ErrorCode.Unauthorized, `Signaling refused: ${err.type}`, undefined, { cause: err })));
      });
    } catch (err) {
      peer.destroy();
      throw err;
    }
    peer.on('error', () => {});
    return new PeerCall(peer, creds.peerId, opts.localStream);
  }

  /** Agent side: call the shopper's peer and open the DataConnection. */
  place(remotePeerId: string, callId: string): void {
    this.remotePeerId = remotePeerId;
    this.attachMedia(this.peer.call(remotePeerId, this.localStream, { metadata: { callId } }));
    this.attachData(this.peer.connect(remotePeerId, { reliable: true, metadata: { callId } }));
  }

  /** Shopper side: accept the call and data connection from this peer only. */
  expect(remotePeerId: string): void {
    this.remotePeerId = remotePeerId;
    for (const conn of this.early.splice(0)) this.incoming(conn);
  }

  private attachMedia(call: MediaConnection): void {
    this.media = call;
    let gotStream = false;
    call.on('stream', (stream) => {
      if (gotStream) return; // PeerJS emits once per track
      gotStream = true;
      this.emit('remoteStream', stream);
      sampleQos(call.peerConnection, (s) => this.emit('qos', s), this.abort.signal);
    });
    call.on('close', () => this.emit('closed'));
    call.on('error', (err) => this.emit('error', new CounterpartError(ErrorCode.Internal, `Media connection failed: ${err.message}`, undefined, { cause: err })));
  }

  private attachData(conn: DataConnection): void {
    this.data = conn;
    conn.on('open', () => this.emit('dataOpen'));
    conn.on('data', (raw) => {
      const msg = PeerDataMessage.safeParse(raw);
      if (msg.success && msg.data.type === 'chat') this.emit('chat', { from: 'them', text: msg.data.text, at: msg.data.at });
    });
  }

  get dataReady(): boolean {
    return this.data?.open ?? false;
  }

  get peerConnection(): RTCPeerConnection | null {
    return this.media?.peerConnection ?? null;
  }

  sendChat(text: string): ChatLine | null {
    const msg = PeerDataMessage.safeParse({ type: 'chat', text: text.trim(), at: new Date().toISOString() });
    if (!msg.success || !this.data?.open) return null;
    void this.data.send(msg.data);
    return { from: 'me', text: msg.data.text, at: msg.data.at };
  }

  setMicEnabled(on: boolean): void {
    for (const t of this.localStream.getAudioTracks()) t.enabled = on;
  }

  setCameraEnabled(on: boolean): void {
    for (const t of this.localStream.getVideoTracks()) t.enabled = on;
  }

  /** Ends the media and data connections, the peer and the local tracks. */
  close(): void {
    this.abort.abort();
    this.media?.close();
    this.data?.close();
    this.peer.destroy();
    for (const t of this.localStream.getTracks()) t.stop();
  }
}
