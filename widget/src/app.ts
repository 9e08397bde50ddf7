import { ConversationSession } from '../../client/conversation';
import { MediaDeniedError, getLocalMedia } from '../../client/local-media';
import { playStream } from '../../client/media';
import { RealtimeClient, ticketsFor } from '../../client/realtime';
import {
  ConversationState,
  CounterpartError,
  ErrorCode,
  MediaKind,
  MediaPath,
  ParticipantState,
  Role,
  ShopperSessionResponse,
  TERMINAL_STATES,
  sameParty,
  type ChatMessage,
  type ConversationView,
  type Party,
} from '../../protocol/index';
import type { Mount, WidgetConfig } from './config';
import { Callback } from './callback';
import { endText, errorText, mediaEndText, pickLanguage } from './i18n/index';
import { Feedback } from './feedback';
import { showIfClosed } from './offline';
import { DEFAULT_OFFLINE_AFTER_MS, QueueOffer, unanswered } from './queue-offer';
import { ShopperSessions } from './shop-session';
import { clearStored, loadStored, saveStored, type Stored } from './storage';
import { agentOf, markOwn, messageView } from './messages';
import { WidgetView, type CallKind, type WidgetState } from './view';

/** What the controller tells the page: it is over here; the server refused the start as closed; the wait before the offer; the launcher. */
type Hooks = { onFinish(): void; onClosed(): void; offlineAfterMs(): number; launcher: HTMLElement };

/**
 * One conversation of the shopper's, from the first click (or a page that resumes it) to its end.
 * The session (token, conversation id) is kept in the shop origin's localStorage, so moving to
 * another page of the shop or reloading resumes the conversation with no click.
 */
class ShopperConversation {
  private session: ConversationSession | null = null;
  private rt: RealtimeClient | null = null;
  private me: Party | null = null;
  private stored: Stored | null = null;
  private held: MediaStream | null = null;
  private done = false;
  /** Cancelled before the server answered the start: ended as soon as it does. */
  private cancelled = false;
  private readonly messages = new Map<number, ChatMessage>();
  /** What the queue said last (shown again on "Keep waiting"). */
  private waiting: [WidgetState, string | undefined] = ['queued', undefined];
  /** After a while with no agent: leave a message instead. */
  private readonly offer: QueueOffer;
  /** While waiting: be called back on this page instead of watching the queue. */
  private readonly callback: Callback;

  constructor(
    private readonly view: WidgetView,
    private readonly config: WidgetConfig,
    private readonly sessions: ShopperSessions,
    private readonly hooks: Hooks,
  ) {
    this.offer = new QueueOffer(view, {
      baseUrl: config.baseUrl,
      token: () => this.stored?.token ?? null,
      conversationId: () => this.session?.conversationId ?? null,
      offlineAfterMs: hooks.offlineAfterMs,
      current: () => this.session?.view ?? null,
      sent: () => void this.close(),
      back: () => {
        view.show(...this.waiting);
        if (this.session?.view) this.render(this.session.view);
      },
    });
    this.callback = new Callback(view, hooks.launcher, {
      request: () => Boolean(this.rt && this.session?.conversationId && this.rt.send({ type: 'conversation.callback', conversationId: this.session.conversationId })),
      setOpen: (open) => (view.setOpen(open), this.setOpen(open)),
    });
  }

  /** A new conversation on a channel; voice and video ask for the devices first (a refusal offers less). */
  async start(channel: MediaKind): Promise<void> {
    const { view, config } = this;
    performance.mark('counterpart:request');
    try {
      if (channel !== MediaKind.Chat) {
        view.setCall(channel as CallKind);
        view.show('starting');
        this.held = await getLocalMedia(channel as CallKind);
        // Cancelled while the browser asked for the devices: give them back at once.
        if (this.done) return this.stopHeld();
        view.localVideo.srcObject = this.held;
      }
      view.show('queued');
      const s = await this.sessions.take();
      if (this.done) return this.stopHeld();
      this.stored = { token: s.token, shopperId: s.shopperId, expiresAt: s.expiresAt, conversationId: null, open: true };
      saveStored(config.siteKey, this.stored);
      this.open(s.ticket).start({
        channel, issueType: view.issueType, language: view.lang, context: { productId: config.productId, pageUrl: location.origin + location.pathname },
      });
    } catch (err) {
      if (err instanceof MediaDeniedError) return void (this.stopHeld(), view.show('media-denied'));
      this.fail(err);
    }
  }

  /** A page of the shop loads with a stored conversation: back into it, with no click. */
  resume(stored: Stored): void {
    this.stored = stored;
    this.view.setReconnecting(true, 'connection');
    this.view.show('queued');
    this.open(null);
  }

  private open(ticket: ShopperSessionResponse['ticket'] | null): ConversationSession {
    const { view, config } = this;
    const stored = this.stored!;
    const me: Party = (this.me = { role: Role.Shopper, id: stored.shopperId });
    const rt = (this.rt = new RealtimeClient({ baseUrl: config.baseUrl, tickets: ticketsFor(config.baseUrl, () => stored.token, ticket ?? undefined) }));
    const session = (this.session = new ConversationSession({
      rt,
      baseUrl: config.baseUrl,
      token: () => stored.token,
      me,
      conversationId: stored.conversationId ?? undefined,
      // The preview's camera is lent as a clone: a warm call closed by a decline stops only its copy,
      // and the preview goes on while the shopper waits for the next agent.
      getLocalMedia: async (kind) => (this.held && this.held.getTracks().every((t) => t.readyState === 'live') ? this.held.clone() : getLocalMedia(kind)),
    }));
    rt.on('connected', () => view.setReconnecting(false, 'connection'));
    rt.on('disconnected', ({ willRetry }) => {
      if (!willRetry) return this.fail(new CounterpartError(ErrorCode.Unauthorized, 'session expired'));
      view.setReconnecting(true, 'connection');
    });
    session.on('conversation', (v) => this.render(v));
    session.on('queued', (q) => {
      if (this.session?.view?.state !== ConversationState.Queued) return;
      // Handed on by an agent (answered before): "transferring", with the place in line.
      const transferring = this.session.view.answeredAt !== null ? `${view.t.wait.transferring} ` : '';
      this.waiting = [q.agentAvailable ? 'queued' : 'no-agent', q.agentAvailable ? transferring + view.t.wait.estimate(q.position, q.expectedWaitMs) : undefined];
      if (!this.offer.writing) view.show(...this.waiting);
    });
    session.on('message', (m) => {
      this.messages.set(m.seq, m);
      view.addMessage(messageView(view, m, this.me));
      if (view.panel.hidden !== true && document.visibilityState === 'visible') session.markSeen();
    });
    session.on('pending', (list) => {
      view.keepPending(new Set(list.map((p) => p.clientId)));
      for (const p of list) view.addMessage({ id: p.clientId, clientId: p.clientId, seq: null, mine: true, senderName: view.t.chat.you, kind: 'text', text: p.text, file: null, at: p.at, mark: 'sending' });
    });
    session.on('typing', (w) => view.setTyping(w.name || view.t.panel.agent));
    session.on('localStream', (s) => {
      // The call shows its own stream from now on: the preview's is no longer needed.
      if (s) this.stopHeld();
      view.localVideo.srcObject = s;
      if (s) void view.localVideo.play().catch(() => {});
    });
    session.on('remoteStream', (_party, stream) => {
      void playStream(view.remoteVideo, stream).then(() => {
        if (this.done) return;
        performance.mark('counterpart:remote-playing', { detail: session.conversationId });
        if (session.view?.media) view.show('in-call');
      });
    });
    session.on('mediaPath', (p) => view.setReconnecting(p === MediaPath.Reconnecting, 'media'));
    // Devices refused for a call the agent proposed: say so (the call is stopped; the chat goes on). Link
    // failures are retried by the session and shown as "reconnecting", not as an error.
    session.on('mediaError', (err) => {
      if (err instanceof MediaDeniedError) view.showChatError(session.view?.media?.kind === MediaKind.Video ? view.t.start.deniedVideo : view.t.start.deniedVoice);
    });
    session.on('persist', (p) => {
      if (!p || !this.stored) return;
      this.stored.conversationId = p.conversationId;
      saveStored(config.siteKey, this.stored);
    });
    session.on('error', (err) => {
      // The start itself was refused (queue full, too many attempts, restarting): nothing to wait for.
      if (!session.conversationId) return this.fail(err);
      view.showChatError(errorText(view.t, err.code));
    });
    session.on('gone', () => this.finish(view.t.errors[ErrorCode.ConversationNotFound]));
    rt.connect();
    return session;
  }

  /** The widget follows the conversation's state: the server's view is the truth. */
  private render(v: ConversationView): void {
    const { view } = this;
    if (this.cancelled) {
      if (!TERMINAL_STATES.has(v.state)) return this.session?.end();
      return this.finish(view.t.ended.abandoned);
    }
    const waiting = unanswered(v);
    if (waiting) this.offer.arm(v);
    else this.offer.disarm();
    this.callback.update(v);
    // Writing a message instead: the form stays while the request waits; it ends when the message is sent.
    if (this.offer.writing) {
      if (TERMINAL_STATES.has(v.state)) return void this.close();
      if (waiting) return;
      // An agent answered meanwhile: the conversation is here.
      this.offer.stopWriting();
    }
    const agent = agentOf(v);
    view.setAgent(agent?.name || null);
    view.setReconnecting(agent?.state === ParticipantState.Reconnecting || agent?.media === MediaPath.Reconnecting, 'agent');
    const theirs = v.proposal && this.me && !sameParty(v.proposal.by, this.me) ? v.proposal.kind : null;
    view.showProposal(theirs);
    view.setProposing(v.proposal && !theirs ? v.proposal.kind : null);
    markOwn(view, v, this.me);
    // Closed: ended after an agent answered (not cancelled, not timed out in the queue): it can be rated.
    if (TERMINAL_STATES.has(v.state)) return this.finish(endText(view.t, { reason: v.endReason, endedBy: v.endedBy }), 'ended', v.state === ConversationState.Closed ? v.id : null);
    const transferring = v.answeredAt !== null ? view.t.wait.transferring : undefined;
    if (v.state === ConversationState.Offered) return view.show('offered', transferring);
    if (v.state === ConversationState.Queued) {
      if (view.state !== 'queued' && view.state !== 'no-agent') view.show('queued', transferring);
      return;
    }
    const wasMedia = view.state === 'connecting' || view.state === 'in-call';
    if (v.media) {
      view.setCall(v.media.kind);
      if (!wasMedia) view.show('connecting');
    } else {
      if (wasMedia) {
        view.clearMedia();
        view.setCall(null);
      }
      view.show('chatting', wasMedia ? mediaEndText(view.t, null) : undefined);
    }
  }

  send(text: string): boolean {
    try {
      this.session?.send(text);
      this.view.showChatError(null);
      return true;
    } catch (err) {
      this.view.showChatError(errorText(this.view.t, err instanceof CounterpartError ? err.code : null));
      return false;
    }
  }

  typing(): void {
    this.session?.typing();
  }

  async attach(file: File): Promise<void> {
    const { view } = this;
    view.setUploading(file.name);
    try {
      await this.session?.sendFile(file);
      view.showChatError(null);
    } catch (err) {
      view.showChatError(errorText(view.t, err instanceof CounterpartError ? err.code : null));
    } finally {
      view.setUploading(null);
    }
  }

  fileUrl(id: string): Promise<string> {
    return this.session ? this.session.fileUrl(id) : Promise.reject(new Error('no conversation'));
  }

  answer(accept: boolean): void {
    this.session?.answerMedia(accept);
  }

  propose(kind: CallKind): void {
    this.session?.proposeMedia(kind);
  }

  stopMedia(): void {
    this.session?.stopMedia();
  }

  mic(on: boolean): void {
    this.session?.setMic(on);
  }

  camera(on: boolean): void {
    this.session?.setCamera(on);
  }

  /** Cancels the request or ends the conversation (for everyone). */
  hangup(): void {
    const s = this.session;
    if (s?.conversationId) return s.end();
    if (!s) return this.finish(this.view.t.ended.abandoned);
    // Asked, not answered yet: end it as soon as the server names it (render sees `cancelled`).
    this.cancelled = true;
    this.stopHeld();
    clearStored(this.config.siteKey);
    this.view.show('ended', this.view.t.ended.abandoned);
  }

  setOpen(open: boolean): void {
    if (this.stored) saveStored(this.config.siteKey, { ...this.stored, open });
  }

  private stopHeld(): void {
    for (const t of this.held?.getTracks() ?? []) t.stop();
    this.held = null;
  }

  private fail(err: unknown): void {
    const code = err instanceof CounterpartError ? err.code : null;
    // Closed (outside business hours): the page shows when it opens and the message form.
    if (code === ErrorCode.Closed) return void (this.close() && this.hooks.onClosed());
    this.finish(errorText(this.view.t, code), 'error');
  }

  /**
   * The conversation is over here: history stays on screen; the stored session is forgotten. `answered`:
   * the id of a conversation an agent answered, which the ended screen offers to rate and follow as a ticket.
   */
  private finish(text: string, state: 'ended' | 'error' = 'ended', answered: string | null = null): void {
    if (!this.close()) return;
    this.view.clearMedia();
    this.view.show(state, text);
    if (answered && this.stored) this.view.setEndedExtra(new Feedback(this.view.t, { baseUrl: this.config.baseUrl, token: this.stored.token, conversationId: answered }).root);
  }

  /** Forgets the conversation here (stored session, sockets, devices, the offer) and leaves the screen as it is; false when already done. */
  private close(): boolean {
    if (this.done) return false;
    this.done = true;
    this.offer.disarm();
    this.callback.stop();
    clearStored(this.config.siteKey);
    this.session?.close();
    this.rt?.close();
    this.stopHeld();
    this.hooks.onFinish();
    return true;
  }
}

export const mount: Mount = (root, launcher, config) => {
  const lang = pickLanguage({ siteLang: config.lang, htmlLang: document.documentElement.lang, navigatorLanguages: navigator.languages });
  const sessions = new ShopperSessions(config);
  let current: ShopperConversation | null = null;
  let offlineAfterMs = DEFAULT_OFFLINE_AFTER_MS;
  const conversation = () =>
    new ShopperConversation(view, config, sessions, { onFinish: () => (current = null), onClosed: () => void checkHours(true), offlineAfterMs: () => offlineAfterMs, launcher });
  const begin = (channel: MediaKind) => {
    current = conversation();
    void current.start(channel);
  };
  const checkHours = async (refused = false, token = async () => (await sessions.peek()).token) => {
    const a = await showIfClosed(view, config, token, { refused, busy: () => current !== null });
    if (a) offlineAfterMs = a.offlineAfterMs;
  };
  const again = () => void (view.reset(), checkHours());
  const view: WidgetView = new WidgetView(root, lang, {
    start: begin,
    fallback: begin,
    send: (text) => current?.send(text) ?? false,
    typing: () => current?.typing(),
    attach: (file) => void current?.attach(file),
    resolveFileUrl: (id) => current?.fileUrl(id) ?? Promise.reject(new Error('no conversation')),
    acceptProposal: () => current?.answer(true),
    declineProposal: () => current?.answer(false),
    propose: (kind) => current?.propose(kind),
    stopMedia: () => current?.stopMedia(),
    hangup: () => current?.hangup(),
    mute: (muted) => current?.mic(!muted),
    camera: (off) => current?.camera(!off),
    retry: again,
    startAgain: again,
    close: () => current?.setOpen(false),
  });
  const isOpen = () => view.panel.hidden !== true;
  launcher.addEventListener('click', () => {
    view.setOpen(!isOpen());
    current?.setOpen(isOpen());
  });
  const stored = loadStored(config.siteKey);
  if (stored?.conversationId) {
    view.setOpen(stored.open);
    current = conversation();
    current.resume(stored);
    void checkHours(false, async () => stored.token); // the wait before the offer, with its own session (none made per page)
  } else {
    if (stored) clearStored(config.siteKey);
    view.show('idle');
    view.setOpen(true);
    void checkHours(); // outside business hours the panel says so at once
  }
};
