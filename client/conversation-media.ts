import {
  CounterpartError,
  ErrorCode,
  MediaPath,
  type ClientMessage,
  type MediaKind,
  type MediaPeer,
  type MediaSessionView,
  type Party,
  partyKey,
} from '../protocol/index';
import { Emitter } from './emitter';
import type { MediaLink } from './media-link';
import { recallDelayMs } from './path-monitor';

export type MediaSessionKind = MediaKind.Voice | MediaKind.Video;
/** What a conversation uses of a MediaLink (the `openLink` option makes another one; tests fake only PeerJS under it). */
export type MediaLinkPort = Pick<MediaLink, 'peerId' | 'setPeers' | 'setSending' | 'close' | 'on'>;

export type ConversationMediaEvents = {
  localStream: (stream: MediaStream | null) => void;
  remoteStream: (party: Party, stream: MediaStream) => void;
  remoteLeft: (party: Party) => void;
  mediaPath: (path: MediaPath) => void;
  mediaError: (err: CounterpartError) => void;
};

export type ConversationMediaDeps = {
  conversationId: string;
  baseUrl: string;
  token: () => string | null;
  post: (msg: ClientMessage) => boolean;
  getLocalMedia: (kind: MediaSessionKind) => Promise<MediaStream>;
  openLink: (o: { baseUrl: string; token: string; localStream: MediaStream; sending: boolean }) => Promise<MediaLinkPort>;
  mic: boolean;
  camera: boolean;
};

/** Failures of opening a media link not worth another try. */
const FINAL_CODES = new Set([ErrorCode.Unauthorized, ErrorCode.Forbidden, ErrorCode.NotFound, ErrorCode.ConversationNotFound, ErrorCode.BadRequest]);
const MAX_LINK_ATTEMPTS = 6;

export const asError = (err: unknown, fallback: string): CounterpartError =>
  err instanceof CounterpartError ? err : new CounterpartError(ErrorCode.Internal, fallback, undefined, { cause: err });

/**
 * This client's part in one running media session of a conversation: local media, the media
 * link, `media.join`, the path and QoS reports. Made when the view shows the session running,
 * closed when it stops; a page that resumes a conversation with media running makes one too,
 * and its join (the later one) makes it place the calls: that is how a call survives a reload.
 *
 * Made with no session, it is the pre-connect of a ringing conversation: the link is negotiated
 * with the other end but sends nothing and reports nothing. Remote streams are passed on at once
 * (an element can take them before any frame comes: the first one then shows without delay) and
 * again when it goes live. `goLive()` (the agent's Accept click) or `adopt(session)` (the server
 * says it is accepted) activate the local media, with no renegotiation.
 */
export class ConversationMedia extends Emitter<ConversationMediaEvents> {
  private current: MediaSessionView | null;
  /** The local tracks go out and remote streams are shown (false only while warm). */
  private live: boolean;
  /** The current stream of each remote party. */
  private readonly remotes = new Map<string, { party: Party; stream: MediaStream }>();
  private stream: MediaStream | null = null;
  /** Local media refused while warm: said, and the media session stopped, once it is adopted. */
  private refused: CounterpartError | null = null;
  private link: MediaLinkPort | null = null;
  private peers: readonly MediaPeer[] | null = null;
  private path: MediaPath = MediaPath.Connecting;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    session: MediaSessionView | null,
    readonly kind: MediaSessionKind,
    private readonly deps: ConversationMediaDeps,
  ) {
    super();
    this.current = session;
    this.live = session !== null;
  }

  /** The running media session; null while warm (the conversation rings). */
  get session(): MediaSessionView | null {
    return this.current;
  }

  /** The conversation was accepted: this warm link is the session's; media flows at once. */
  adopt(session: MediaSessionView): void {
    if (this.closed || this.current?.id === session.id) return;
    this.current = session;
    if (this.refused) {
      this.emit('mediaError', this.refused);
      this.deps.post({ type: 'media.stop', conversationId: this.deps.conversationId });
      return;
    }
    this.goLive();
    if (this.link) this.deps.post({ type: 'media.join', conversationId: this.deps.conversationId, peerId: this.link.peerId });
  }

  /**
   * This side's media goes out now, and the other side's is shown. The agent calls it on its
   * Accept click, before the server confirms (its own consent; the shopper's media comes only
   * once the server tells the shopper's client); otherwise `adopt` does.
   */
  goLive(): void {
    if (this.closed || this.live || this.refused) return;
    this.live = true;
    // For the timeline of a call (bench:call): when this side's tracks go out.
    performance.mark('counterpart:sending', { detail: this.deps.conversationId });
    this.link?.setSending(true);
    if (this.stream) this.emit('localStream', this.stream);
    for (const { party, stream } of this.remotes.values()) this.emit('remoteStream', party, stream);
  }

  /** Local media, then the link and the join. Refused local media stops the media session (chat goes on). */
  async start(): Promise<void> {
    const { deps } = this;
    let stream: MediaStream;
    try {
      stream = await deps.getLocalMedia(this.kind);
    } catch (err) {
      if (this.closed) return;
      const e = asError(err, 'Camera or microphone unavailable');
      // A refusal while ringing is said when the call starts; the warm-up just stops here.
      if (!this.current) return void (this.refused = e);
      this.emit('mediaError', e);
      deps.post({ type: 'media.stop', conversationId: deps.conversationId });
      return;
    }
    if (this.closed) return void stream.getTracks().forEach((t) => t.stop());
    this.stream = stream;
    this.setMic(deps.mic);
    this.setCamera(deps.camera);
    // Warm, nothing is shown yet: `goLive` shows the local stream when the call starts.
    if (this.live) this.emit('localStream', stream);
    await this.openLink();
  }

  /** `media.peers` for this media session. */
  setPeers(peers: readonly MediaPeer[]): void {
    this.peers = peers;
    this.link?.setPeers(peers);
  }

  /** Back on the realtime channel after a drop: tell the server this client's peer and path again. */
  rejoin(): void {
    if (!this.link) return;
    const { conversationId, post } = this.deps;
    post({ type: 'media.join', conversationId, peerId: this.link.peerId });
    if (this.path !== MediaPath.Connecting) post({ type: 'media.path', conversationId, path: this.path });
  }

  setMic(on: boolean): void {
    this.deps.mic = on;
    for (const t of this.stream?.getAudioTracks() ?? []) t.enabled = on;
  }

  setCamera(on: boolean): void {
    this.deps.camera = on;
    for (const t of this.stream?.getVideoTracks() ?? []) t.enabled = on;
  }

  /** Closes the link and stops the local tracks; `localStream(null)` unless `quiet`. */
  close(quiet = false): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.link?.close({ keepLocalTracks: true });
    this.link = null;
    this.remotes.clear();
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    // Only a stream that was shown is taken back (a warm link closing after a decline showed none).
    if (this.stream && this.live && !quiet) this.emit('localStream', null);
  }

  private async openLink(): Promise<void> {
    const { deps } = this;
    let link: MediaLinkPort;
    try {
      const token = deps.token();
      if (!token) throw new CounterpartError(ErrorCode.Unauthorized, 'Signed out');
      link = await deps.openLink({ baseUrl: deps.baseUrl, token, localStream: this.stream!, sending: this.live });
    } catch (err) {
      if (this.closed) return;
      const e = asError(err, 'Cannot open the media link');
      this.emit('mediaError', e);
      if (!FINAL_CODES.has(e.code) && ++this.attempts < MAX_LINK_ATTEMPTS)
        this.timer = setTimeout(() => {
          this.timer = null;
          if (!this.closed) void this.openLink();
        }, recallDelayMs(this.attempts));
      return;
    }
    if (this.closed) return link.close({ keepLocalTracks: true });
    this.link = link;
    this.attempts = 0;
    link.setSending(this.live);
    const mine = () => this.link === link && !this.closed;
    link.on('remoteStream', (party, stream) => {
      if (!mine()) return;
      this.remotes.set(partyKey(party), { party, stream });
      this.emit('remoteStream', party, stream);
    });
    link.on('remoteLeft', (party) => {
      if (!mine()) return;
      this.remotes.delete(partyKey(party));
      this.emit('remoteLeft', party);
    });
    link.on('qos', (sample) => mine() && deps.post({ type: 'qos.sample', conversationId: deps.conversationId, sample }));
    link.on('path', (path) => {
      // A warm link carries no media: its path means nothing to anyone yet.
      if (!mine() || !this.current) return;
      this.path = path;
      deps.post({ type: 'media.path', conversationId: deps.conversationId, path });
      this.emit('mediaPath', path);
    });
    link.on('error', (err) => {
      if (!mine()) return;
      this.emit('mediaError', err);
      if (err.code !== ErrorCode.Unauthorized) return;
      // The signaling credentials expired: a new peer (a new id) joins, and calls the others.
      this.link = null;
      this.peers = null;
      link.close({ keepLocalTracks: true });
      void this.openLink();
    });
    if (this.peers) link.setPeers(this.peers);
    deps.post({ type: 'media.join', conversationId: deps.conversationId, peerId: link.peerId });
  }
}
