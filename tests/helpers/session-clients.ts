import { afterAll, afterEach, beforeAll } from 'vitest';
/**
 * The client library's ConversationSession and RealtimeClient, run in Node against a real test
 * stack: the `ws` package stands in for the browser's WebSocket, a WebSocket proxy sits between
 * the clients and the server (to cut the network, refuse reconnects, duplicate or delay frames),
 * and the clients are real shoppers (a shopper session) and real staff (a login).
 *
 * Nothing of ours is replaced: tickets come from the server's API, sockets reach its realtime
 * channel, what a test checks is what the server stored (`stack.server.db`). Importing this
 * module installs the WebSocket global (./ws-proxy).
 */
import { randomUUID } from 'node:crypto';
import { ConversationSession } from '../../client/conversation';
import { RealtimeClient, ticketsFor } from '../../client/realtime';
import {
  IssueType,
  AgentState,
  ConversationState,
  MediaKind,
  MediaPath,
  Presence,
  Role,
  TERMINAL_STATES,
  type ChatMessage,
  type ConversationView,
  type CounterpartError,
  type LoginResponse,
  type Party,
  type ServerMessage,
  type ServerMessageOf,
  type ShopperSessionResponse,
} from '../../protocol/index';
import { DEMO, login, shopperSession, startStack, waitFor, type Stack, type StackOptions } from './server';
import { installMediaDevices, media as fakeMedia } from './fake-peerjs';
import { FORWARD, WsProxy } from './ws-proxy';

export { FORWARD, WsProxy, tap, type Link, type ProxyPolicy } from './ws-proxy';

// ---------------------------------------------------------------------------------------------
// A stack, a proxy, and cleanup between tests

/** Client reconnect backoff in these tests (the defaults are for people: 0.5 s to 8 s). */
export const BACKOFF = { minBackoffMs: 40, maxBackoffMs: 400 } as const;
export const CONTEXT = { productId: null, pageUrl: 'http://shop.test/p/oak' } as const;

export type World = {
  stack: Stack;
  proxy: WsProxy;
  /** Every realtime client and session made through this world, closed by `cleanup`. */
  readonly clients: RealtimeClient[];
  readonly sessions: ConversationSession[];
};

export async function startWorld(opts: StackOptions = {}): Promise<World> {
  // Cuts must not end a conversation: the grace outlasts any test's reconnects.
  const stack = await startStack({ ...opts, env: { RECONNECT_GRACE_MS: '20000', ...opts.env } });
  const proxy = await WsProxy.start(stack.wsUrl);
  return { stack, proxy, clients: [], sessions: [] };
}

/**
 * After a test: the network behaves again, every conversation still live is ended by one of its
 * sessions (a test that closes all of a conversation's sessions ends it first), then every client
 * is closed; resolves once the server holds no live conversation.
 */
export async function cleanup(w: World): Promise<void> {
  w.proxy.policy = FORWARD;
  w.proxy.refusing = false;
  let polls = 0;
  await waitFor(
    () => {
      if (w.stack.server.conversations.snapshot().conversations.length === 0) return true;
      // Asked again every 250 ms: a client may still be reconnecting.
      if (polls++ % 10 === 0)
        for (const s of w.sessions) {
          const v = s.view;
          if (!s.conversationId || !v || TERMINAL_STATES.has(v.state)) continue;
          try {
            s.end();
          } catch {
            // not adopted yet
          }
        }
      return null;
    },
    'no live conversations left',
    8000,
  );
  for (const s of w.sessions.splice(0)) s.close();
  for (const c of w.clients.splice(0)) c.close();
}

export async function stopWorld(w: World | undefined): Promise<void> {
  await w?.proxy.close();
  await w?.stack.close();
}

// ---------------------------------------------------------------------------------------------
// Clients

/** Everything a session emitted, in order. */
export type Recorded = {
  messages: ChatMessage[];
  views: ConversationView[];
  persisted: unknown[];
  pending: number[];
  queued: { position: number; agentAvailable: boolean }[];
  typing: { party: Party; name: string }[];
  errors: CounterpartError[];
  gone: number;
  /** Media: local streams (null when a media session ends), remote streams, paths, media errors. */
  local: unknown[];
  remote: { party: Party; stream: unknown }[];
  paths: MediaPath[];
  mediaErrors: CounterpartError[];
};

export function record(s: ConversationSession): Recorded {
  const r: Recorded = { messages: [], views: [], persisted: [], pending: [], queued: [], typing: [], errors: [], gone: 0, local: [], remote: [], paths: [], mediaErrors: [] };
  s.on('message', (m) => r.messages.push(m));
  s.on('conversation', (v) => r.views.push(v));
  s.on('persist', (p) => r.persisted.push(p));
  s.on('pending', (l) => r.pending.push(l.length));
  s.on('queued', (q) => r.queued.push(q));
  s.on('typing', (t) => r.typing.push(t));
  s.on('error', (e) => r.errors.push(e));
  s.on('gone', () => r.gone++);
  s.on('localStream', (x) => r.local.push(x));
  s.on('remoteStream', (party, stream) => r.remote.push({ party, stream }));
  s.on('mediaPath', (p) => r.paths.push(p));
  s.on('mediaError', (e) => r.mediaErrors.push(e));
  return r;
}

export type Client = {
  rt: RealtimeClient;
  s: ConversationSession;
  r: Recorded;
  me: Party;
  token: string;
};

export type ShopperClient = Client & { session: ShopperSessionResponse };

/**
 * A shopper's page: a RealtimeClient through the proxy (tickets from the server) and a session
 * on it, not yet connected (call `rt.connect()`). Pass `session` to be the same shopper again
 * (a reload), `conversationId`/`lastSeq` to resume.
 */
export async function shopperClient(
  w: World,
  opts: { session?: ShopperSessionResponse; conversationId?: string; lastSeq?: number; direct?: boolean } = {},
): Promise<ShopperClient> {
  const fresh = !opts.session;
  const session = opts.session ?? (await shopperSession(w.stack.url));
  const token = session.token;
  const rt = new RealtimeClient({
    baseUrl: opts.direct ? w.stack.url : w.proxy.url,
    tickets: ticketsFor(w.stack.url, () => token, fresh ? session.ticket : undefined),
    ...BACKOFF,
  });
  const me: Party = { role: Role.Shopper, id: session.shopperId };
  const s = new ConversationSession({
    rt,
    baseUrl: w.stack.url,
    token: () => token,
    me,
    ...(opts.conversationId === undefined ? {} : { conversationId: opts.conversationId }),
    ...(opts.lastSeq === undefined ? {} : { lastSeq: opts.lastSeq }),
  });
  w.clients.push(rt);
  w.sessions.push(s);
  return { rt, s, r: record(s), me, token, session };
}

/** Another session on a client's realtime channel (as a page holding two conversations would). */
export function sessionOn(w: World, c: Client, opts: { conversationId?: string; lastSeq?: number } = {}): { s: ConversationSession; r: Recorded } {
  const s = new ConversationSession({ rt: c.rt, baseUrl: w.stack.url, token: () => c.token, me: c.me, ...opts });
  w.sessions.push(s);
  return { s, r: record(s) };
}

/** A shopper who started a chat conversation and has its id (the adopted `conversation.sync`). */
export async function shopperInChat(w: World, channel: MediaKind = MediaKind.Chat): Promise<ShopperClient> {
  const c = await shopperClient(w);
  c.s.start({ channel: channel, issueType: IssueType.PreSale, language: 'en', context: CONTEXT });
  c.rt.connect();
  await waitFor(() => c.s.conversationId, 'the conversation id from conversation.sync');
  return c;
}

/** The next event of this type on a realtime client (and matching `where`), within `timeoutMs`. */
export function nextEvent<T extends ServerMessage['type']>(
  rt: RealtimeClient,
  type: T,
  where: (m: ServerMessageOf<T>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ServerMessageOf<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for '${type}'`));
    }, timeoutMs);
    const off = (rt.on as (t: string, fn: (m: ServerMessageOf<T>) => void) => () => void)(type, (m) => {
      if (!where(m)) return;
      clearTimeout(timer);
      off();
      resolve(m);
    });
  });
}

export type AgentClient = {
  rt: RealtimeClient;
  login: LoginResponse;
  me: Party;
  /** Offers received, in order. */
  offers: ServerMessageOf<'offer'>[];
};

/** A signed-in agent's console: a RealtimeClient straight to the server, with this presence set. */
export async function agentClient(
  w: World,
  user: { email: string; password: string } = DEMO.alice,
  presence: Presence.Available | Presence.Away = Presence.Available,
): Promise<AgentClient> {
  const l = await login(w.stack.url, user);
  const rt = new RealtimeClient({ baseUrl: w.stack.url, tickets: ticketsFor(w.stack.url, () => l.token), ...BACKOFF });
  w.clients.push(rt);
  const offers: ServerMessageOf<'offer'>[] = [];
  rt.on('offer', (m) => offers.push(m));
  const hello = nextEvent(rt, 'hello');
  rt.connect();
  await hello;
  const states = presence === Presence.Available ? [AgentState.Available, AgentState.Ringing, AgentState.Busy] : [AgentState.Away, AgentState.Busy];
  const self = nextEvent(rt, 'agent.self', (m) => m.presence === presence && states.includes(m.state));
  rt.send({ type: 'presence.set', presence });
  await self;
  return { rt, login: l, me: { role: Role.Agent, id: String(l.user.id) }, offers };
}

/** The agent takes the offer of this conversation with a session of its own (accept, then its sync). */
export async function acceptWith(w: World, agent: AgentClient, conversationId: string): Promise<Client> {
  await waitFor(() => (agent.offers.some((o) => o.conversationId === conversationId) ? true : null), `the offer of ${conversationId}`);
  const s = new ConversationSession({ rt: agent.rt, baseUrl: w.stack.url, token: () => agent.login.token, me: agent.me, conversationId });
  w.sessions.push(s);
  const r = record(s);
  // The `conversation.update` of the accept comes first; the resume's sync brings the messages.
  const synced = nextEvent(agent.rt, 'conversation.sync', (m) => m.conversation.id === conversationId && m.conversation.state === ConversationState.Active);
  s.accept();
  await synced;
  await waitFor(() => (s.view?.state === ConversationState.Active ? true : null), 'the accepted conversation, active');
  return { rt: agent.rt, s, r, me: agent.me, token: agent.login.token };
}

/** A shopper in an active conversation with alice (chat unless `channel` says otherwise): both sessions. */
export async function chatWithAgent(w: World, channel: MediaKind = MediaKind.Chat): Promise<{ shopper: ShopperClient; agent: Client; agentClient: AgentClient }> {
  const a = await agentClient(w);
  const shopper = await shopperInChat(w, channel);
  const agent = await acceptWith(w, a, shopper.s.conversationId!);
  await waitFor(() => (shopper.s.view?.state === ConversationState.Active ? true : null), "the shopper's view, active");
  return { shopper, agent, agentClient: a };
}

// ---------------------------------------------------------------------------------------------
// What the server stored

export type StoredMessage = { seq: number; id: string; text: string; client_id: string | null; sender_role: string | null; kind: string };

export function storedMessages(stack: Stack, conversationId: string): Promise<StoredMessage[]> {
  return stack.server.db('messages').where({ conversation_id: conversationId }).orderBy('seq').select('seq', 'id', 'text', 'client_id', 'sender_role', 'kind');
}

/**
 * Adds `count` text messages from this shopper straight into the database after the stored ones
 * (the chat budget would take minutes to get there), as a long conversation would have them.
 */
export async function insertMessages(stack: Stack, conversationId: string, shopperId: string, count: number): Promise<void> {
  await stack.server.db.transaction(async (trx) => {
    const { last_seq } = (await trx('conversations').where({ id: conversationId }).first('last_seq')) as { last_seq: number };
    const at = new Date().toISOString();
    const rows = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(), conversation_id: conversationId, seq: last_seq + i + 1, sender_role: 'shopper', sender_id: shopperId, sender_name: '',
      kind: 'text', text: `inserted ${last_seq + i + 1}`, file_id: null, client_id: null, created_at: at,
    }));
    await trx.batchInsert('messages', rows, 100);
    await trx('conversations').where({ id: conversationId }).update({ last_seq: last_seq + count });
  });
}

export const seqs = (ms: readonly { seq: number }[]): number[] => ms.map((m) => m.seq);
export const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** The world of the current test file: a live binding set by `useWorld()`'s hooks. */
export let w: World;

/**
 * Registers the file's hooks: one stack for the file, cleaned after each test, stopped at the end.
 * `media`: the fake getUserMedia of tests/helpers/fake-peerjs too (the file mocks `peerjs` itself).
 */
export function useWorld(opts: StackOptions = {}, o: { media?: boolean } = {}): void {
  let uninstall = () => {};
  beforeAll(async () => {
    if (o.media) uninstall = installMediaDevices();
    w = await startWorld(opts);
  });
  afterEach(async () => {
    fakeMedia.refuse = false;
    await cleanup(w);
  });
  afterAll(async () => {
    await stopWorld(w);
    uninstall();
  });
}
