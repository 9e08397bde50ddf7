import { ConversationSession } from '../../../client/conversation';
import { RealtimeClient, ticketsFor } from '../../../client/realtime';
import { keepSessionFresh, signOutSession } from '../../../client/session';
import {
  AgentState,
  CounterpartError,
  ErrorCode,
  LoginResponse,
  MediaKind,
  Presence,
  RingEndReason,
  Role,
  TERMINAL_STATES,
  apiRequest,
  sameParty,
  type IssueType,
  type Party,
  type ServerMessageOf,
  type UserView,
} from '../../../protocol/index';
import type { OverlayCommand } from '../../lib/bridge';
import { catalogues, consoleLang, errorText, type Catalogue, type Lang } from '../../lib/i18n/index';
import type { z } from 'zod';
import { ConsoleConversation, type TabHost } from './console-conversation.svelte';
import { clearSession, loadSession, saveSession } from './session-store';

export type Offer = ServerMessageOf<'offer'>;

/** Ended conversations kept as tabs (for their tickets) at most; the oldest goes first. */
export const MAX_ENDED_TABS = 3;

/**
 * The agent's side of Counterpart, living in the console page so that navigating the admin
 * cannot end a conversation: session (kept in extension session storage, so a reopened console
 * needs no password), presence, offers, and the conversations it holds — one call and chats, as
 * tabs (`ConsoleConversation`), each through the shared client session.
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
  /** The conversations this console holds, in the order they came, and those ended whose ticket is still shown. */
  tabs = $state<ConsoleConversation[]>([]);
  activeId = $state<string | null>(null);
  notice = $state<string | null>(null);
  error = $state<string | null>(null);

  private token: string | null = null;
  private abort: AbortController | null = null;
  private rt: RealtimeClient | null = null;
  /** The offered conversation's session while it rings: its call is pre-connected (nothing flows until accept). */
  private ring: ConversationSession | null = null;
  private me: Party | null = null;
  /** The presence the agent chose, restored after a reconnect. */
  private wanted: Presence.Available | Presence.Away | null = null;

  /** The tab the agent looks at. */
  get active(): ConsoleConversation | null {
    return this.tabs.find((c) => c.id === this.activeId) ?? null;
  }

  /** The conversations going on (not ended). */
  get live(): ConsoleConversation[] {
    return this.tabs.filter((c) => !c.ended);
  }

  /** The conversation with the call (an agent has at most one), or whose call is being accepted. */
  get callTab(): ConsoleConversation | null {
    return this.live.find((c) => c.mediaKind !== null || (c.view === null && c.accepting !== null && c.accepting !== MediaKind.Chat)) ?? null;
  }

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
    for (const c of this.tabs) c.close();
    this.tabs = [];
    this.activeId = null;
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
      const v = m.conversation;
      const mine = v.participants.some((p) => this.me && sameParty(p.party, this.me) && p.leftAt === null);
      // Taken up without taking the agent's eyes off the conversation shown, if there is one.
      if (mine && !TERMINAL_STATES.has(v.state) && !this.live.some((c) => c.id === v.id)) this.attach(v.id, null, !this.active || this.active.ended);
    });
    rt.on('error', (m) => {
      if (m.conversationId && this.live.some((c) => c.id === m.conversationId)) return;
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
    // Taken: the card (and the overlay's) goes at once, so a second click accepts nothing twice.
    this.offer = null;
    this.attach(offer.conversationId, warm).accept(offer.channel);
  }

  decline(): void {
    if (this.offer) this.rt?.send({ type: 'offer.decline', conversationId: this.offer.conversationId });
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

  /** Shows this tab: what came in it is seen. */
  select(id: string): void {
    const c = this.tabs.find((x) => x.id === id);
    if (!c) return;
    this.activeId = id;
    c.shown();
  }

  /** Closes an ended conversation's tab (its ticket is stored; the dashboard has it). */
  closeTab(id: string): void {
    const c = this.tabs.find((x) => x.id === id);
    if (!c?.ended) return;
    this.tabs = this.tabs.filter((x) => x !== c);
    if (this.activeId !== id) return;
    const next = this.callTab ?? this.live[0] ?? this.tabs.at(-1) ?? null;
    this.activeId = null;
    if (next) this.select(next.id);
  }

  /** Hands a conversation on (to an agent or an issue type's queue) with a note; its tab ends when the server says so. */
  transfer(c: ConsoleConversation, to: { agentId: number } | { issueType: IssueType }, note: string): void {
    if (!c.ended) this.rt?.send({ type: 'conversation.transfer', conversationId: c.id, to, note });
  }

  /** A GET of the API with this console's token. */
  api<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    return apiRequest(this.baseUrl, path, schema, { token: this.token ?? undefined });
  }

  private readonly host: TabHost = {
    t: () => this.t,
    me: () => this.me!,
    auth: () => ({ baseUrl: this.baseUrl, token: this.token }),
    api: (path, schema) => this.api(path, schema),
    isShown: (c) => this.activeId === c.id,
    onLeft: (c, notice) => this.left(c, notice),
    onError: (c, text) => (this.error = this.about(c, text)),
    onNotice: (c, text) => (this.notice = this.about(c, text)),
  };

  /**
   * Opens a tab for a conversation this agent takes part in (with the session that pre-connected
   * while ringing, if any) and shows it. An ended tab of the same conversation (handed back) gives way.
   */
  private attach(id: string, warm: ConversationSession | null = null, show = true): ConsoleConversation {
    const old = this.tabs.find((c) => c.id === id);
    if (old && !old.ended) {
      warm?.close();
      return old;
    }
    const c = new ConsoleConversation(id, warm ?? this.newSession(id), this.host);
    this.tabs = [...this.tabs.filter((x) => x !== old), c];
    if (show) this.select(id);
    return c;
  }

  /** A conversation ended here: its tab stays while its ticket is shown; a few ended ones at most. */
  private left(c: ConsoleConversation, notice: string | null): void {
    if (notice) this.notice = this.about(c, notice);
    if (!c.ticket.conversationId) return this.closeTab(c.id);
    // The oldest ended go first; never the one that just ended nor the one shown (its notes may be half written).
    const ended = this.tabs.filter((x) => x.ended).sort((a, b) => a.endedAt - b.endedAt);
    const spare = ended.filter((x) => x !== c && x.id !== this.activeId);
    for (const old of spare.slice(0, Math.max(0, ended.length - MAX_ENDED_TABS))) this.closeTab(old.id);
    // The agent was looking at it: show what goes on, if anything still does (its ticket stays a tab away).
    if (this.activeId === c.id && this.live.length > 0 && !c.ticket.ticket) this.select(this.live[0]!.id);
  }

  /** A text about one conversation names it when the console holds others. */
  private about(c: ConsoleConversation, text: string): string {
    return this.tabs.some((x) => x !== c) ? this.t.conversation.about(c.shopperName, text) : text;
  }

  /** What an overlay shows and acts on: the call, else the conversation shown, else the first going on. */
  focus(): ConsoleConversation | null {
    return this.callTab ?? (this.active?.ended ? null : this.active) ?? this.live[0] ?? null;
  }

  command(cmd: OverlayCommand): void {
    if (cmd.type === 'accept') return this.accept();
    if (cmd.type === 'decline') return this.decline();
    // The conversation the overlay showed when it was clicked (not whatever is in front by now).
    const c = this.live.find((x) => x.id === cmd.conversationId) ?? null;
    if (cmd.type === 'hangup') c?.end();
    else if (cmd.type === 'toggle-mute') c?.toggleMute();
    else c?.toggleCamera();
  }
}
