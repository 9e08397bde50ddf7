import type { ConversationSession, PendingMessage } from '../../../client/conversation';
import { MediaDeniedError } from '../../../client/local-media';
import { playStream } from '../../../client/media';
import {
  ConversationContext,
  ConversationState,
  CustomerHistory,
  EndedBy,
  MediaKind,
  MediaPath,
  Role,
  TERMINAL_STATES,
  sameParty,
  type ChatMessage,
  type ConversationView,
  type IssueType,
  type Party,
} from '../../../protocol/index';
import { errorText, type Catalogue } from '../../lib/i18n/index';
import type { z } from 'zod';
import { TicketEditor } from './ticket.svelte';

/** What a conversation tab needs from the console around it. */
export type TabHost = {
  t: () => Catalogue;
  /** This agent, as a party of conversations. */
  me: () => Party;
  auth: () => { baseUrl: string; token: string | null };
  api: <T>(path: string, schema: z.ZodType<T>) => Promise<T>;
  /** Whether the agent is looking at this tab now (messages then count as seen). */
  isShown: (c: ConsoleConversation) => boolean;
  /** This console no longer takes part (ended, handed on, gone); `notice` says why. */
  onLeft: (c: ConsoleConversation, notice: string | null) => void;
  onError: (c: ConsoleConversation, text: string) => void;
  onNotice: (c: ConsoleConversation, text: string) => void;
};

const TYPING_SHOWN_MS = 4000;

/**
 * One conversation in the agent's console (a tab): its client session, what the UI shows of it,
 * its ticket and the call's video elements. The console holds several at once (one call and chats);
 * a tab stays after its conversation ends (`ended`), for the ticket, until the agent closes it.
 */
export class ConsoleConversation {
  view = $state<ConversationView | null>(null);
  messages = $state<ChatMessage[]>([]);
  pending = $state<PendingMessage[]>([]);
  typing = $state<string | null>(null);
  /** The channel of the offer being accepted, until the server's view of the conversation arrives. */
  accepting = $state<MediaKind | null>(null);
  /** Media arrives from the shopper (the remote video plays). */
  playing = $state(false);
  mediaPath = $state<MediaPath | null>(null);
  muted = $state(false);
  cameraOff = $state(false);
  context = $state<ConversationContext | null>(null);
  /** Customer 360: orders and earlier conversations (null until loaded, or when it could not be). */
  history = $state<CustomerHistory | null>(null);
  uploading = $state<string | null>(null);
  /** Messages from others that arrived while the tab was not shown. */
  unread = $state(0);
  /** This console takes no part any more (ended or handed on): the tab stays for the ticket. */
  ended = $state(false);
  /** When it ended here (epoch ms; 0 while it goes on): the oldest ended tabs go first. */
  endedAt = 0;
  readonly ticket: TicketEditor;

  private remoteVideo: HTMLVideoElement | null = null;
  private localVideo: HTMLVideoElement | null = null;
  /** The latest streams, for video elements bound after they came (the panel mounts after Accept). */
  private streams: { local: MediaStream | null; remote: MediaStream | null } = { local: null, remote: null };
  private session: ConversationSession | null;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly id: string,
    session: ConversationSession,
    private readonly host: TabHost,
  ) {
    this.session = session;
    this.ticket = new TicketEditor(host.auth, host.t);
    this.listen(session);
  }

  /** The shopper as the conversation names them. */
  get shopperName(): string {
    const p = this.view?.participants.find((x) => x.party.role === Role.Shopper);
    return p?.name || this.host.t().offer.guest;
  }

  /** The call running in this conversation (null: chat only). */
  get mediaKind(): MediaKind.Voice | MediaKind.Video | null {
    return this.ended ? null : (this.view?.media?.kind ?? null);
  }

  /** What the agent has with the shopper: no conversation here, a chat, a call connecting or in call. */
  get phase(): 'none' | 'chat' | 'connecting' | 'in-call' {
    return this.ended ? 'none' : !this.view?.media ? 'chat' : this.playing ? 'in-call' : 'connecting';
  }

  get reconnecting(): boolean {
    return this.mediaPath === MediaPath.Reconnecting || this.view?.participants.some((p) => p.state === 'reconnecting' || p.media === MediaPath.Reconnecting) === true;
  }

  /** The panel's video elements: streams that came before show at once. */
  bindVideos(remote: HTMLVideoElement | null, local: HTMLVideoElement | null): void {
    this.remoteVideo = remote;
    this.localVideo = local;
    if (this.streams.local) this.showLocal(this.streams.local);
    if (this.streams.remote) this.showRemote(this.streams.remote);
  }

  /** The agent looks at this tab: what came is seen. */
  shown(): void {
    this.unread = 0;
    // Not before the server's view: until then this agent is not a participant (a mark would be refused as not found).
    if (this.view && document.visibilityState === 'visible') this.session?.markSeen();
  }

  accept(channel: MediaKind): void {
    this.accepting = channel;
    this.session?.accept();
  }

  send(raw: string): boolean {
    try {
      this.session?.send(raw);
      return Boolean(this.session);
    } catch (err) {
      this.host.onError(this, errorText(this.host.t(), err));
      return false;
    }
  }

  noteTyping(): void { this.session?.typing(); }

  async attachFile(file: File): Promise<void> {
    const s = this.session;
    if (!s) return;
    this.uploading = file.name;
    try {
      await s.sendFile(file);
    } catch (err) {
      this.host.onError(this, errorText(this.host.t(), err));
    } finally {
      this.uploading = null;
    }
  }

  fileUrl(fileId: string): Promise<string> {
    return this.session ? this.session.fileUrl(fileId) : Promise.reject(new Error('no conversation'));
  }

  propose(kind: MediaKind.Voice | MediaKind.Video): void { this.session?.proposeMedia(kind); }
  answerProposal(accept: boolean): void { this.session?.answerMedia(accept); }
  stopMedia(): void { this.session?.stopMedia(); }
  end(): void { this.session?.end(); }

  toggleMute(): void {
    if (!this.session) return;
    this.muted = !this.muted;
    this.session.setMic(!this.muted);
  }

  toggleCamera(): void {
    if (!this.session) return;
    this.cameraOff = !this.cameraOff;
    this.session.setCamera(!this.cameraOff);
  }

  /** Local teardown: the session closes (the conversation goes on on the server unless it ended). */
  close(): void {
    this.session?.close();
    this.session = null;
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.streams = { local: null, remote: null };
    if (this.remoteVideo) this.remoteVideo.srcObject = null;
    if (this.localVideo) this.localVideo.srcObject = null;
  }

  /** This console left the conversation: the session goes, the tab (and its ticket) stays. */
  private leave(notice: string | null): void {
    if (this.ended) return;
    this.ended = true;
    this.endedAt = Date.now();
    this.close();
    Object.assign(this, { playing: false, mediaPath: null, typing: null, uploading: null });
    this.host.onLeft(this, notice);
  }

  private listen(s: ConversationSession): void {
    const { host } = this;
    const mine = () => this.session === s;
    s.on('conversation', (v) => mine() && this.onView(v));
    s.on('message', (m) => {
      if (!mine()) return;
      this.messages.push(m);
      if (host.isShown(this)) this.shown();
      else if (m.sender && !sameParty(m.sender, host.me())) this.unread++;
    });
    s.on('pending', (list) => mine() && (this.pending = [...list]));
    s.on('typing', (w) => {
      if (!mine()) return;
      this.typing = w.name;
      if (this.typingTimer) clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => (this.typing = null), TYPING_SHOWN_MS);
    });
    s.on('localStream', (stream) => mine() && this.showLocal(stream));
    s.on('remoteStream', (_party, stream) => mine() && this.showRemote(stream));
    s.on('mediaPath', (p) => mine() && (this.mediaPath = p));
    // Devices refused or missing; link failures are retried by the session (and shown as reconnecting).
    s.on('mediaError', (err) => err instanceof MediaDeniedError && host.onError(this, host.t().errors.camera));
    s.on('error', (err) => host.onError(this, errorText(host.t(), err)));
    s.on('gone', () => mine() && this.leave(null));
  }

  private onView(v: ConversationView): void {
    const t = this.host.t();
    const me = this.host.me();
    // Handed on: this agent has left a conversation that goes on without them.
    if (v.participants.some((p) => sameParty(p.party, me) && p.leftAt !== null) && !TERMINAL_STATES.has(v.state)) return this.leave(t.conversation.transferred);
    if (TERMINAL_STATES.has(v.state)) {
      this.view = v;
      const notice = v.endedBy === EndedBy.Shopper ? t.conversation.endedByShopper : v.endedBy === EndedBy.Agent ? t.conversation.endedByYou : v.endReason ? t.conversation.ended[v.endReason] : null;
      return this.leave(notice);
    }
    if (!v.media && this.view?.media) {
      Object.assign(this, { playing: false, mediaPath: null, muted: false, cameraOff: false });
      this.streams = { local: null, remote: null };
    }
    // The shop's context and the ticket are for the conversation's agents: asked once we are one.
    if (!this.view && v.state === ConversationState.Active) void Promise.all([this.loadContext(), this.ticket.open(this.id)]);
    this.view = v;
  }

  private showLocal(stream: MediaStream | null): void {
    this.streams.local = stream;
    const el = this.localVideo;
    if (!el) return;
    el.srcObject = stream;
    if (stream) void el.play().catch(() => {});
  }

  private showRemote(stream: MediaStream): void {
    this.streams.remote = stream;
    const el = this.remoteVideo;
    if (!el) return;
    const s = this.session;
    void playStream(el, stream).then(() => {
      if (this.session !== s || this.ended) return;
      performance.mark('counterpart:remote-playing', { detail: this.id });
      this.playing = true;
    });
  }

  private async loadContext(): Promise<void> {
    const id = encodeURIComponent(this.id);
    void this.host.api(`/api/conversations/${id}/customer`, CustomerHistory).then(
      (h) => (this.history = h),
      () => {},
    );
    try {
      this.context = await this.host.api(`/api/conversations/${id}/context`, ConversationContext);
    } catch {
      this.host.onNotice(this, this.host.t().conversation.contextUnavailable);
    }
  }

  /** The topic the conversation is about (the transfer form starts there). */
  get issueType(): IssueType | null {
    return this.view?.issueType ?? null;
  }
}
