import {
  ConversationState,
  CounterpartError,
  ErrorCode,
  MAX_CHAT_CHARS,
  MAX_UPLOAD_BYTES,
  MediaKind,
  TERMINAL_STATES,
  UPLOAD_TYPES,
  ChatMessage,
  sameParty,
  type ClientMessage,
  type ClientMessageOf,
  type ConversationView,
  type MediaSessionView,
  type ServerMessageOf,
} from '../protocol/index';
import { Emitter } from './emitter';
import { FileUrls, apiUpload } from './http';
import { ConversationMedia, type MediaSessionKind } from './conversation-media';
import { DEFAULTS, type ConversationEvents, type ConversationOptions, type Needed, type Persisted } from './conversation-options';
import { MessageLog, Outbox, type PendingMessage } from './message-log';
import type { RealtimeClient } from './realtime';

export type { PendingMessage } from './message-log';
export type { MediaLinkPort, MediaSessionKind } from './conversation-media';
export type { ConversationEvents, ConversationOptions, Persisted, QueuedInfo } from './conversation-options';

const RESUME_RETRY_MS = 2000;

/**
 * One conversation as one participant sees it, over a RealtimeClient it is given (the agent
 * console shares one between presence, offers and its conversations). Chat with exactly-once,
 * in-order messages and resends after a reconnect; the media session's link; resume after a
 * reload. `close()` is local teardown only: the conversation goes on on the server.
 */
export class ConversationSession extends Emitter<ConversationEvents> {
  private readonly opts: ConversationOptions;
  private readonly rt: RealtimeClient;
  private readonly log: MessageLog;
  private readonly outbox = new Outbox();
  private readonly off: (() => void)[] = [];
  private readonly files: FileUrls;
  private id: string | null;
  private current: ConversationView | null = null;
  private starting: ClientMessageOf<'conversation.start'> | null = null;
  private resuming = false;
  private flushAfterSync = false;
  private lastTypingAt = -Infinity;
  private readSeq = 0;
  private sentSeen = { delivered: -1, read: -1, at: -Infinity };
  private seenTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private media: ConversationMedia | null = null;
  private mic = true;
  private camera = true;
  private persisted: string;
  /** Agent: the conversation rings for this console and its media is warming up (not yet accepted). */
  private ringing = false;
  private isGone = false;
  private closed = false;

  constructor(opts: Pick<ConversationOptions, Needed> & Partial<ConversationOptions>) {
    super();
    this.opts = { ...DEFAULTS, ...opts };
    this.rt = this.opts.rt;
    this.files = new FileUrls(this.opts.baseUrl, this.opts.token);
    this.id = this.opts.conversationId ?? null;
    this.log = new MessageLog(this.opts.lastSeq);
    this.readSeq = this.log.lastSeq;
    this.persisted = this.id ? `${this.id}:${this.log.lastSeq}` : '';
    const rt = this.rt;
    this.off.push(
      rt.on('connected', () => this.onConnected()),
      rt.on('disconnected', () => {
        this.resuming = false;
        // Until the next resume's sync, new messages wait behind the pending ones (even once the socket is open again).
        if (this.id) this.flushAfterSync = true;
      }),
      rt.on('conversation.sync', (m) => this.onSync(m)),
      rt.on('conversation.update', (m) => m.conversation.id === this.id && this.setView(m.conversation)),
      rt.on('conversation.queued', (m) => this.onQueued(m)),
      rt.on('chat.message', (m) => m.message.conversationId === this.id && this.take([m.message], true)),
      rt.on('chat.typing', (m) => {
        if (m.conversationId === this.id && !sameParty(m.party, this.opts.me)) this.emit('typing', { party: m.party, name: m.name });
      }),
      rt.on('media.peers', (m) => this.onPeers(m)),
      rt.on('error', (m) => this.onError(m)),
    );
  }

  get conversationId(): string | null {
    return this.id;
  }
  get view(): ConversationView | null {
    return this.current;
  }
  get messages(): readonly ChatMessage[] {
    return this.log.messages;
  }
  get pending(): readonly PendingMessage[] {
    return this.outbox.list;
  }
  get lastSeq(): number {
    return this.log.lastSeq;
  }

  /** Shopper: start a conversation; the server answers with `conversation.sync` (sent once connected). */
  start(request: Pick<ClientMessageOf<'conversation.start'>, 'channel' | 'issueType' | 'language' | 'context'>): void {
    if (this.id) throw new CounterpartError(ErrorCode.AlreadyInConversation, 'This session already has a conversation');
    this.starting = { type: 'conversation.start', ...request };
    this.post(this.starting);
  }

  /**
   * Agent: take the offered conversation this session was made for, then fetch it (the server
   * handles one socket's messages in order, so the resume sees the accepted conversation).
   */
  accept(): void {
    this.ringing = false;
    // The agent's own click: its pre-connected media goes out now (the shopper's once the server says so).
    this.media?.goLive();
    this.post({ type: 'offer.accept', conversationId: this.requireId() });
    this.resume();
  }

  /** Agent, while it rings: pre-connect the call (camera, microphone, link negotiated), nothing sent either way until `accept`. */
  warm(kind: MediaSessionKind): void {
    this.requireId();
    if (this.current || this.media) return;
    this.ringing = true;
    this.openMedia(kind, null);
  }

  /** Asks for the state and the messages after `lastSeq` (done by itself on every reconnect). */
  resume(): void {
    this.flushAfterSync = true;
    this.requestResume();
  }

  /** Sends a chat message; it stays in `pending` until the server's copy arrives, resent after reconnects. */
  send(raw: string): PendingMessage {
    const text = raw.trim();
    if (!text || text.length > MAX_CHAT_CHARS) throw new CounterpartError(ErrorCode.BadRequest, `A message has 1 to ${MAX_CHAT_CHARS} characters`);
    if (this.terminal) throw new CounterpartError(ErrorCode.InvalidTransition, 'The conversation has ended');
    const p = this.outbox.add(text);
    this.emit('pending', this.outbox.list);
    // While a resume is under way, the pending ones go after its sync, in order.
    if (this.id && !this.flushAfterSync) this.post({ type: 'chat.send', conversationId: this.id, clientId: p.clientId, text: p.text });
    return p;
  }

  /** Tells the others this participant is typing (at most every `typingIntervalMs`). */
  typing(): void {
    const now = Date.now();
    if (!this.id || now - this.lastTypingAt < this.opts.typingIntervalMs) return;
    if (this.post({ type: 'chat.typing', conversationId: this.id })) this.lastTypingAt = now;
  }

  /** Every message held was shown to a person (call when the chat is visible); throttled. */
  markSeen(): void {
    this.readSeq = this.log.lastSeq;
    this.reportSeen();
  }

  /** Uploads a file into the chat; its `file` message is shown (a `message` event) like any other. */
  async sendFile(file: Blob & { name: string }): Promise<void> {
    const id = this.requireId();
    if (!(UPLOAD_TYPES as readonly string[]).includes(file.type)) throw new CounterpartError(ErrorCode.UnsupportedType, `Files of type ${file.type || 'unknown'} cannot be sent`);
    if (file.size > MAX_UPLOAD_BYTES) throw new CounterpartError(ErrorCode.TooLarge, `Files up to ${MAX_UPLOAD_BYTES / 1024 / 1024} MB can be sent`);
    const token = this.opts.token();
    if (!token) throw new CounterpartError(ErrorCode.Unauthorized, 'Signed out');
    const path = `/api/conversations/${encodeURIComponent(id)}/files?name=${encodeURIComponent(file.name)}`;
    const stored = ChatMessage.safeParse(await apiUpload(this.opts.baseUrl, path, file, { token, contentType: file.type }));
    // The server answers with the stored message; `chat.message` brings it too (shown once either way).
    if (stored.success && !this.closed) this.take([stored.data], true);
  }

  /** An object URL for a file of this conversation (fetched with the bearer once, revoked on close). */
  fileUrl(fileId: string): Promise<string> {
    return this.files.get(fileId);
  }

  proposeMedia(kind: MediaSessionKind): void {
    this.post({ type: 'media.propose', conversationId: this.requireId(), kind });
  }
  answerMedia(accept: boolean): void {
    this.post({ type: 'media.answer', conversationId: this.requireId(), accept });
  }
  stopMedia(): void {
    this.post({ type: 'media.stop', conversationId: this.requireId() });
  }
  /** Ends the conversation for everyone. */
  end(): void {
    this.post({ type: 'conversation.end', conversationId: this.requireId() });
  }

  setMic(on: boolean): void {
    this.mic = on;
    this.media?.setMic(on);
  }
  setCamera(on: boolean): void {
    this.camera = on;
    this.media?.setCamera(on);
  }

  persistable(): Persisted | null {
    if (!this.id || this.isGone || this.terminal) return null;
    return { conversationId: this.id, lastSeq: this.log.lastSeq };
  }

  /** Local teardown (page unload): media, listeners, file URLs. The conversation is not ended. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeMedia();
    for (const off of this.off.splice(0)) off();
    if (this.seenTimer) clearTimeout(this.seenTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.files.revokeAll();
  }

  // -------------------------------------------------------------------------------------------

  private get terminal(): boolean {
    return this.current !== null && TERMINAL_STATES.has(this.current.state);
  }

  private post(msg: ClientMessage): boolean {
    return !this.closed && this.rt.send(msg);
  }

  private requireId(): string {
    if (!this.id) throw new CounterpartError(ErrorCode.InvalidTransition, 'The conversation has not started yet');
    return this.id;
  }

  private requestResume(): void {
    if (this.id && !this.isGone) this.resuming = this.post({ type: 'conversation.resume', conversationId: this.id, afterSeq: this.log.lastSeq });
  }

  private onConnected(): void {
    this.resuming = false;
    // Not a participant yet (ringing): nothing to resume, only the warm peer to tell again.
    if (this.ringing) this.media?.rejoin();
    else if (this.id) this.resume();
    else if (this.starting) this.post(this.starting);
  }

  private adopt(conversationId: string): boolean {
    if (conversationId === this.id) return true;
    if (this.id !== null || !this.starting) return false;
    this.id = conversationId;
    this.starting = null;
    this.flushAfterSync = true;
    return true;
  }

  private onSync(m: ServerMessageOf<'conversation.sync'>): void {
    if (!this.adopt(m.conversation.id)) return;
    this.resuming = false;
    this.setView(m.conversation);
    this.take(m.messages, false);
    if (m.more) return this.requestResume();
    if (!this.flushAfterSync) return;
    this.flushAfterSync = false;
    for (const p of this.outbox.list) this.post({ type: 'chat.send', conversationId: m.conversation.id, clientId: p.clientId, text: p.text });
    // Back after a drop: tell the server this client's peer and path again.
    this.media?.rejoin();
  }

  private onQueued(m: ServerMessageOf<'conversation.queued'>): void {
    if (this.adopt(m.conversationId)) this.emit('queued', { position: m.position, agentAvailable: m.agentAvailable, expectedWaitMs: m.expectedWaitMs });
  }

  private onError(m: ServerMessageOf<'error'>): void {
    const mine = m.conversationId !== undefined ? m.conversationId === this.id : this.id === null && this.starting !== null;
    if (!mine || this.isGone) return;
    this.resuming = false;
    if (m.code === ErrorCode.ConversationNotFound && this.id) {
      this.isGone = true;
      this.closeMedia();
      this.persist();
      return this.emit('gone');
    }
    if (this.id === null) this.starting = null;
    // A refused message is not resent: it leaves the pending list (the error says why).
    if (m.clientId && this.outbox.drop(m.clientId)) this.emit('pending', this.outbox.list);
    // A refused resume would leave pending messages waiting for a sync: ask again a little later.
    if (this.flushAfterSync && !this.retryTimer)
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.flushAfterSync && !this.resuming) this.requestResume();
      }, RESUME_RETRY_MS);
    this.emit('error', new CounterpartError(m.code, m.message));
  }

  private setView(view: ConversationView): void {
    this.current = view;
    // Over: nothing pending will be stored any more.
    if (TERMINAL_STATES.has(view.state) && this.outbox.clear()) this.emit('pending', this.outbox.list);
    this.emit('conversation', view);
    this.syncMedia();
    this.persist();
  }

  /** Delivered messages: pending ones settled, new ones shown once in order, a gap filled if `fillGaps`. */
  private take(batch: readonly ChatMessage[], fillGaps: boolean): void {
    const mine = batch.filter((m) => m.conversationId === this.id);
    if (this.outbox.settle(mine, this.opts.me)) this.emit('pending', this.outbox.list);
    const shown = this.log.accept(mine);
    for (const m of shown) this.emit('message', m);
    if (shown.length > 0) {
      this.persist();
      this.reportSeen();
    }
    if (fillGaps && this.log.hasGap && !this.resuming) this.requestResume();
  }

  /** chat.seen with what this client holds (delivered) and what was shown (read), at most every `seenIntervalMs`. */
  private reportSeen(): void {
    // An ended conversation takes no marks (the server answers conversation_not_found, which would read as gone).
    if (!this.id || this.seenTimer || this.closed || this.terminal) return;
    const wait = this.sentSeen.at + this.opts.seenIntervalMs - Date.now();
    if (wait > 0) {
      this.seenTimer = setTimeout(() => {
        this.seenTimer = null;
        this.reportSeen();
      }, wait);
      return;
    }
    const delivered = this.log.lastSeq;
    const read = Math.min(this.readSeq, delivered);
    if (delivered === this.sentSeen.delivered && read === this.sentSeen.read) return;
    if (this.post({ type: 'chat.seen', conversationId: this.id, deliveredSeq: delivered, readSeq: read })) this.sentSeen = { delivered, read, at: Date.now() };
  }

  private persist(): void {
    const p = this.persistable();
    const key = p ? `${p.conversationId}:${p.lastSeq}` : '';
    if (key === this.persisted || this.closed) return;
    this.persisted = key;
    this.emit('persist', p);
  }

  // ------------------------------------------------------------------------------ media

  /**
   * Opens or closes this client's media to match the view: the running media session, or the
   * pre-connect while a voice or video conversation rings (kept, and adopted, when it is accepted).
   */
  private syncMedia(): void {
    const v = this.current;
    const live = v !== null && !this.isGone && this.id !== null;
    const session = live && v.state === ConversationState.Active && v.media && v.media.endedAt === null ? v.media : null;
    const ringing = live && v.state === ConversationState.Offered && v.channel !== MediaKind.Chat;
    const m = this.media;
    if (m && session && (m.session?.id === session.id || (m.session === null && m.kind === session.kind))) return m.adopt(session);
    if (m && !session && m.session === null && ringing) return;
    this.closeMedia();
    if (session) this.openMedia(session.kind, session);
    else if (ringing) this.openMedia(v.channel as MediaSessionKind, null);
  }

  private openMedia(kind: MediaSessionKind, session: MediaSessionView | null): void {
    if (!this.id) return;
    const { baseUrl, token, getLocalMedia, openLink } = this.opts;
    const media = (this.media = new ConversationMedia(session, kind, {
      conversationId: this.id,
      baseUrl,
      token,
      getLocalMedia,
      openLink,
      post: (msg) => this.post(msg),
      mic: this.mic,
      camera: this.camera,
    }));
    media.on('localStream', (s) => this.emit('localStream', s));
    media.on('remoteStream', (party, s) => this.emit('remoteStream', party, s));
    media.on('remoteLeft', (party) => this.emit('remoteLeft', party));
    media.on('mediaPath', (path) => this.emit('mediaPath', path));
    media.on('mediaError', (err) => this.emit('mediaError', err));
    void media.start();
  }

  private onPeers(msg: ServerMessageOf<'media.peers'>): void {
    const m = this.media;
    if (msg.conversationId !== this.id || !m) return;
    // `mediaId: null`: the ring's warm connection, for a link still warming up.
    if (msg.mediaId === null ? m.session === null : msg.mediaId === m.session?.id) m.setPeers(msg.peers);
  }

  private closeMedia(): void {
    const m = this.media;
    this.media = null;
    this.ringing = false;
    m?.close(this.closed);
  }
}
