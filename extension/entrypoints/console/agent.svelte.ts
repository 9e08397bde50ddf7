import { ConversationSession, type PendingMessage } from '../../../client/conversation';
import { MediaDeniedError } from '../../../client/local-media';
import { playStream } from '../../../client/media';
import { RealtimeClient, ticketsFor } from '../../../client/realtime';
import { keepSessionFresh, signOutSession } from '../../../client/session';
import {
  AgentState,
  ConversationContext,
  ConversationState,
  CounterpartError,
  CustomerHistory,
  EndedBy,
  ErrorCode,
  LoginResponse,
  MediaKind,
  MediaPath,
  Presence,
  RingEndReason,
  Role,
  TERMINAL_STATES,
  apiRequest,
  type ChatMessage,
  type IssueType,
  type ConversationView,
  type Party,
  type ServerMessageOf,
  type UserView,
} from '../../../protocol/index';
import type { OverlayCommand } from '../../lib/bridge';
import { catalogues, consoleLang, errorText, type Catalogue, type Lang } from '../../lib/i18n/index';
import type { z } from 'zod';
import { clearSession, loadSession, saveSession } from './session-store';
import { TicketEditor } from './ticket.svelte';

export type Offer = ServerMessageOf<'offer'>;
/** The conversation this console is in, as the UI shows it. */
export type OpenConversation = {
  id: string;
  view: ConversationView | null;
  messages: ChatMessage[];
  pending: PendingMessage[];
  typing: string | null;
  /** The channel of the offer being accepted, until the server's view of the conversation arrives. */
  accepting: MediaKind | null;
  /** Media arrives from the shopper (the remote video plays). */
  playing: boolean;
  mediaPath: MediaPath | null;
  muted: boolean;
  cameraOff: boolean;
  context: ConversationContext | null;
  /** Customer 360: orders and earlier conversations (null until loaded, or when it could not be). */
  history: CustomerHistory | null;
  uploading: string | null;
};

/**
 * The agent's side of Counterpart, living in the console page so that navigating the admin
 * cannot end a conversation: session (kept in extension session storage, so a reopened console
 * needs no password), presence, offers, and the conversation through the shared client session.
 */
export class AgentConsole {
  readonly lang: Lang = consoleLang();
  readonly t: Catalogue = catalogues[this.lang];
  user = $state<UserView | null>(null);
  restoring = $state(true);
  baseUrl = $state('');
  online = $state(false);
  presence = $state<Presence>(Presence.Away);
  agentState = $state<AgentState>(AgentState.Offline);
  /** Epoch ms when wrap-up ends (offers resume); null outside wrap-up. */
  wrapUpUntil = $state<number | null>(null);
  offer = $state<Offer | null>(null);
  /** The queue as this agent sees it (how many wait, how many they could take, since when the longest). */
  queue = $state<Omit<ServerMessageOf<'queue.stats'>, 'type'> | null>(null);
  conv = $state<OpenConversation | null>(null);
  notice = $state<string | null>(null);
  error = $state<string | null>(null);
  /** The ticket of the conversation (kept after it ends, for wrap-up). */
  readonly ticket = new TicketEditor(() => ({ baseUrl: this.baseUrl, token: this.token }), () => this.t);
  remoteVideo: HTMLVideoElement | null = null;
  localVideo: HTMLVideoElement | null = null;

  private token: string | null = null;
  private abort: AbortController | null = null;
  private rt: RealtimeClient | null = null;
  private session: ConversationSession | null = null;
  /** The offered conversation's session while it rings: its call is pre-connected (nothing flows until accept). */
  private ring: ConversationSession | null = null;
  private me: Party | null = null;
  /** The presence the agent chose, restored after a reconnect. */
  private wanted: Presence.Available | Presence.Away | null = null;

  /** A console (re)opened: back into the stored session, if the server still honours it. */
  async restore(): Promise<void> {
    try {
      const stored = await loadSession();
      if (!stored) return;
      const res = await apiRequest(stored.baseUrl, '/api/auth/refresh', LoginResponse, { body: { refreshToken: stored.refreshToken } });
      await this.begin(stored.baseUrl, res);
    } catch {
      await clearSession();
    } finally {
      this.restoring = false;
    }
  }

  async signIn(baseUrl: string, email: string, password: string): Promise<void> {
    this.error = null;
    try {
      const res = await apiRequest(baseUrl, '/api/auth/login', LoginResponse, { body: { email, password } });
      if (res.user.role !== Role.Agent) throw new CounterpartError(ErrorCode.Forbidden, this.t.signIn.notAgent);
      await this.begin(baseUrl, res);
    } catch (err) {
      this.error = err instanceof CounterpartError && err.code === ErrorCode.Forbidden ? err.message : errorText(this.t, err);
      throw err;
    }
  }

  private async begin(baseUrl: string, res: LoginResponse): Promise<void> {
    this.baseUrl = baseUrl;
    this.token = res.token;
    this.user = res.user;
    this.me = { role: Role.Agent, id: String(res.user.id) };
    await saveSession({ baseUrl, refreshToken: res.refreshToken });
    this.abort = new AbortController();
    keepSessionFresh({
      baseUrl,
      session: res,
      signal: this.abort.signal,
      onRenewed: (s) => {
        this.token = s.token;
        void saveSession({ baseUrl, refreshToken: s.refreshToken });
        // The socket would be closed at the old token's expiry: extend it.
        void this.rt?.renew().catch(() => {});
      },
      onExpired: () => this.expire(),
    });
    this.connect();
  }

  signOut(): void {
    if (this.token) void signOutSession(this.baseUrl, this.token);
    void clearSession();
    this.abort?.abort();
    this.abort = null;
    this.endRing();
    this.closeConversation();
    this.ticket.close();
    this.rt?.close();
    this.rt = null;
    this.token = null;
    this.user = null;
    this.online = false;
  }

  private connect(): void {
    const rt = (this.rt = new RealtimeClient({ baseUrl: this.baseUrl, tickets: ticketsFor(this.baseUrl, () => this.token) }));
    rt.on('connected', () => {
      this.online = true;
      if (this.wanted) rt.send({ type: 'presence.set', presence: this.wanted });
    });
    rt.on('disconnected', ({ willRetry }) => {
      this.online = false;
      if (!willRetry && this.rt === rt) this.expire();
    });
    rt.on('agent.self', (m) => {
      this.presence = m.presence;
      this.agentState = m.state;
      this.wrapUpUntil = m.wrapUpUntil ? Date.parse(m.wrapUpUntil) : null;
      if (m.presence !== Presence.Offline) this.wanted = m.presence;
      // The server is the truth: an offer it no longer has is gone here too.
      if (m.state !== AgentState.Ringing) this.endRing();
    });
    rt.on('offer', (m) => {
      if (this.ring?.conversationId !== m.conversationId) this.endRing();
      this.offer = m;
      this.notice = null;
      this.error = null;
      if (m.channel !== MediaKind.Chat && !this.ring) (this.ring = this.newSession(m.conversationId)).warm(m.channel);
    });
    rt.on('queue.stats', ({ type: _t, ...q }) => (this.queue = q));
    rt.on('offer.end', (m) => {
      if (this.offer?.conversationId !== m.conversationId) return;
      this.endRing();
      if (m.reason !== RingEndReason.Accepted) this.notice = m.setAway ? this.t.offer.missedAway : this.t.offer.ended[m.reason];
    });
    // A conversation of ours that this console does not hold (reopened after a close or crash): take it up.
    rt.on('conversation.sync', (m) => {
      const mine = m.conversation.participants.some((p) => this.me && p.party.role === this.me.role && p.party.id === this.me.id && p.leftAt === null);
      if (mine && !TERMINAL_STATES.has(m.conversation.state) && this.conv?.id !== m.conversation.id) this.attach(m.conversation.id);
    });
    rt.on('error', (m) => {
      if (m.conversationId && m.conversationId === this.conv?.id) return;
      this.error = errorText(this.t, m.code);
    });
    rt.connect();
  }

  private expire(): void {
    this.token = null; // already ended on the server: nothing to sign out of
    this.signOut();
    this.error = this.t.errors[ErrorCode.Unauthorized];
  }

  setPresence(presence: Presence.Available | Presence.Away): void {
    this.notice = null;
    this.wanted = presence;
    this.rt?.send({ type: 'presence.set', presence });
  }

  accept(): void {
    const offer = this.offer;
    if (!offer || !this.rt) return;
    performance.mark('counterpart:accept', { detail: offer.conversationId });
    const warm = this.ring?.conversationId === offer.conversationId ? this.ring : null;
    this.ring = null;
    const s = this.attach(offer.conversationId, warm);
    this.conv!.accepting = offer.channel;
    s.accept();
  }

  /** The ring is over (answered elsewhere, declined, timed out): its warm call closes. */
  private endRing(): void {
    this.offer = null;
    this.ring?.close();
    this.ring = null;
  }

  private newSession(id: string): ConversationSession {
    return new ConversationSession({ rt: this.rt!, baseUrl: this.baseUrl, token: () => this.token, me: this.me!, conversationId: id });
  }

  /** Hands the conversation on (to an agent or an issue type's queue) with a note; this console leaves it when the server says so. */
  transfer(to: { agentId: number } | { issueType: IssueType }, note: string): void {
    if (this.conv) this.rt?.send({ type: 'conversation.transfer', conversationId: this.conv.id, to, note });
  }

  /** A GET of the API with this console's token. */
  api<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    return apiRequest(this.baseUrl, path, schema, { token: this.token ?? undefined });
  }

  decline(): void {
    if (this.offer) this.rt?.send({ type: 'offer.decline', conversationId: this.offer.conversationId });
  }

  /** Opens the client session of a conversation this agent takes part in (or takes the one that pre-connected while ringing). */
  private attach(id: string, warm: ConversationSession | null = null): ConversationSession {
    this.closeConversation();
    const s = (this.session = warm ?? this.newSession(id));
    const conv: OpenConversation = { id, view: null, accepting: null, messages: [], pending: [], typing: null, playing: false, mediaPath: null, muted: false, cameraOff: false, context: null, history: null, uploading: null };
    this.conv = conv;
    const live = () => (this.session === s ? this.conv : null);
    s.on('conversation', (v) => {
      const c = live();
      if (!c) return;
      // Handed on: this agent has left a conversation that goes on without them.
      if (v.participants.some((p) => this.me && p.party.role === this.me.role && p.party.id === this.me.id && p.leftAt !== null) && !TERMINAL_STATES.has(v.state)) {
        this.notice = this.t.conversation.transferred;
        return this.closeConversation();
      }
      if (TERMINAL_STATES.has(v.state)) {
        this.notice = v.endedBy === EndedBy.Shopper ? this.t.conversation.endedByShopper : v.endedBy === EndedBy.Agent ? this.t.conversation.endedByYou : v.endReason ? this.t.conversation.ended[v.endReason] : null;
        return this.closeConversation();
      }
      if (!v.media && c.view?.media) Object.assign(c, { playing: false, mediaPath: null, muted: false, cameraOff: false });
      // The shop's context and the ticket are for the conversation's agents: asked once we are one.
      if (!c.view && v.state === ConversationState.Active) void Promise.all([this.loadContext(id), this.ticket.open(id)]);
      c.view = v;
    });
    s.on('message', (m) => {
      live()?.messages.push(m);
      if (document.visibilityState === 'visible') s.markSeen();
    });
    s.on('pending', (list) => {
      const c = live();
      if (c) c.pending = [...list];
    });
    s.on('typing', (w) => {
      const c = live();
      if (!c) return;
      c.typing = w.name;
      setTimeout(() => live()?.typing === w.name && (live()!.typing = null), 4000);
    });
    s.on('localStream', (stream) => {
      if (!this.localVideo) return;
      this.localVideo.srcObject = stream;
      if (stream) void this.localVideo.play().catch(() => {});
    });
    s.on('remoteStream', (_party, stream) => {
      if (!this.remoteVideo) return;
      void playStream(this.remoteVideo, stream).then(() => {
        const c = live();
        if (!c) return;
        performance.mark('counterpart:remote-playing', { detail: id });
        c.playing = true;
      });
    });
    s.on('mediaPath', (p) => {
      const c = live();
      if (c) c.mediaPath = p;
    });
    // Devices refused or missing; link failures are retried by the session (and shown as reconnecting).
    s.on('mediaError', (err) => err instanceof MediaDeniedError && (this.error = this.t.errors.camera));
    s.on('error', (err) => (this.error = errorText(this.t, err)));
    s.on('gone', () => this.closeConversation());
    return s;
  }

  private async loadContext(id: string): Promise<void> {
    void this.api(`/api/conversations/${encodeURIComponent(id)}/customer`, CustomerHistory).then(
      (h) => this.conv?.id === id && (this.conv.history = h),
      () => {},
    );
    try {
      const context = await apiRequest(this.baseUrl, `/api/conversations/${encodeURIComponent(id)}/context`, ConversationContext, { token: this.token! });
      if (this.conv?.id === id) this.conv.context = context;
    } catch {
      if (this.conv?.id === id) this.notice = this.t.conversation.contextUnavailable;
    }
  }

  end(): void { this.session?.end(); }

  send(text: string): boolean {
    try {
      this.session?.send(text);
      return Boolean(this.session);
    } catch (err) {
      this.error = errorText(this.t, err);
      return false;
    }
  }

  typing(): void { this.session?.typing(); }

  async attachFile(file: File): Promise<void> {
    const c = this.conv;
    if (!c || !this.session) return;
    c.uploading = file.name;
    try {
      await this.session.sendFile(file);
    } catch (err) {
      this.error = errorText(this.t, err);
    } finally {
      if (this.conv === c) c.uploading = null;
    }
  }

  fileUrl(fileId: string): Promise<string> {
    return this.session ? this.session.fileUrl(fileId) : Promise.reject(new Error('no conversation'));
  }

  propose(kind: MediaKind.Voice | MediaKind.Video): void { this.session?.proposeMedia(kind); }

  answerProposal(accept: boolean): void { this.session?.answerMedia(accept); }

  stopMedia(): void { this.session?.stopMedia(); }

  toggleMute(): void {
    const c = this.conv;
    if (!c || !this.session) return;
    c.muted = !c.muted;
    this.session.setMic(!c.muted);
  }

  toggleCamera(): void {
    const c = this.conv;
    if (!c || !this.session) return;
    c.cameraOff = !c.cameraOff;
    this.session.setCamera(!c.cameraOff);
  }

  /** Local teardown (the conversation ended, or this console leaves it to the server). */
  private closeConversation(): void {
    this.session?.close();
    this.session = null;
    this.conv = null;
    if (this.remoteVideo) this.remoteVideo.srcObject = null;
    if (this.localVideo) this.localVideo.srcObject = null;
  }

  /** The shopper as the conversation names them. */
  shopperName(): string {
    const p = this.conv?.view?.participants.find((x) => x.party.role === Role.Shopper);
    return p?.name || this.t.offer.guest;
  }

  command(cmd: OverlayCommand): void {
    if (cmd.type === 'accept') this.accept();
    else if (cmd.type === 'decline') this.decline();
    else if (cmd.type === 'hangup') this.end();
    else if (cmd.type === 'toggle-mute') this.toggleMute();
    else this.toggleCamera();
  }
}
