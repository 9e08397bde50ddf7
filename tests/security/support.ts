/** Shared by the abuse tests: the server as a process, raw HTTP with any bytes, forged tokens, conversations. */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SignJWT } from 'jose';
import knex, { type Knex } from 'knex';
import { expect } from 'vitest';
import {
  AgentState,
  ConversationState,
  ErrorBody,
  MediaKind,
  Presence,
  Role,
  type ChatMessage,
  type LoginResponse,
  type ServerMessageOf,
} from '../../protocol/index';
import { shopperInConversation, startMessage, type ShopperInConversation } from '../helpers/conversations';
import { freshDataDir, spawnServer, testEnv, type ServerProcess } from '../helpers/process';
import { DEMO, login, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

/** The bound the abuse suites hold the server's resident memory to (it starts near 170 MB under tsx). */
export const RSS_BOUND_BYTES = 400 * 1024 * 1024;

export async function startProcess(extra: Record<string, string> = {}): Promise<ServerProcess & { cleanup(): Promise<void> }> {
  const dir = freshDataDir();
  const srv = await spawnServer(testEnv(dir, extra));
  const startRss = srv.rssBytes();
  return Object.assign(srv, {
    async cleanup() {
      // The figure the bound is about, printed for the record (tests never assert speed, only bounds).
      if (srv.child.exitCode === null) console.log(`server RSS: ${(startRss / 2 ** 20).toFixed(0)} MiB at start, ${(srv.rssBytes() / 2 ** 20).toFixed(0)} MiB at the end`);
      await srv.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** `status` 0: the server closed the connection before answering (only for bodies it refused to read). */
export type RawResult = { status: number; body: string; headers: http.IncomingHttpHeaders };

/** One HTTP request with exactly these bytes and headers (fetch would fix or refuse some). */
export function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<RawResult> {
  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
  const headers = { ...opts.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(url, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', (err: Error & { code?: string }) => {
      // The server answered (413) and hung up while a large body was still being written.
      if (answered) return;
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') resolve({ status: 0, body: '', headers: {} });
      else reject(err);
    });
    if (body) req.write(body);
    req.end();
  });
}

/** A refusal is a 4xx with `{ error: { code, message } }`; never a 5xx. */
export function expectClearRefusal(r: RawResult, allowed: number[], what: string): void {
  expect(allowed, `${what}: HTTP ${r.status} ${r.body.slice(0, 200)}`).toContain(r.status);
  if (r.status >= 400) {
    let json: unknown = null;
    try {
      json = JSON.parse(r.body);
    } catch {
      json = null;
    }
    expect(ErrorBody.safeParse(json).success, `${what}: error body ${r.body.slice(0, 200)}`).toBe(true);
  }
}

/** The server answers health and its memory stays under the bound. */
export async function expectHealthy(srv: ServerProcess): Promise<void> {
  expect(srv.child.exitCode, 'server process exited').toBeNull();
  const r = await raw(`${srv.url}/api/health`);
  expect(r.status).toBe(200);
  expect(srv.rssBytes()).toBeLessThan(RSS_BOUND_BYTES);
}

/** A token signed with this server's real secret but any claims (e.g. already expired). */
export async function forge(srv: ServerProcess, aud: string, sub: string, claims: Record<string, unknown>, expSecondsFromNow: number): Promise<string> {
  const secret = fs.readFileSync(path.join(srv.dataDir, 'jwt-secret'), 'utf8').trim();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('counterpart')
    .setAudience(aud)
    .setSubject(sub)
    .setIssuedAt(now - 7200)
    .setExpirationTime(now + expSecondsFromNow)
    .sign(new TextEncoder().encode(secret));
}

// ---------------------------------------------------------------------------------------------
// Conversations on a server process

/** The socket helpers take a Stack; a process only needs its URLs. */
export const asStack = (srv: { url: string }): Stack => ({ url: srv.url, wsUrl: srv.url.replace(/^http/, 'ws') }) as Stack;

/** Opens the process's SQLite database (the truth) for one read or write, then closes it. */
export async function withDb<T>(dataDir: string, fn: (db: Knex) => Promise<T>): Promise<T> {
  const db = knex({ client: 'sqlite3', connection: { filename: path.join(dataDir, 'counterpart.sqlite') }, useNullAsDefault: true });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

export type Agent = { login: LoginResponse; rt: RealtimeClient };

/** A staff member signed in with a realtime socket; agents are set available. */
export async function staffOnline(url: string, user: { email: string; password: string }, available = true): Promise<Agent> {
  const session = await login(url, user);
  const rt = await openRealtime(url, session.token);
  if (session.user.role === Role.Agent && available) {
    rt.send({ type: 'presence.set', presence: Presence.Available });
    await rt.next('agent.self', { where: (m) => m.state === AgentState.Available });
  }
  return { login: session, rt };
}

/** A new shopper's conversation, offered to this (free, available) agent and accepted: both see it active. */
export async function acceptedBy(url: string, agent: Agent, channel: MediaKind = MediaKind.Chat): Promise<ShopperInConversation> {
  const shopper = await shopperInConversation(asStack({ url }), { start: startMessage({ channel }) });
  const offer = await agent.rt.next('offer', { where: (o) => o.conversationId === shopper.conversationId });
  agent.rt.send({ type: 'offer.accept', conversationId: offer.conversationId });
  const active = (m: ServerMessageOf<'conversation.update'>) => m.conversation.id === shopper.conversationId && m.conversation.state === ConversationState.Active;
  await agent.rt.next('conversation.update', { where: active });
  await shopper.rt.next('conversation.update', { where: active });
  return shopper;
}

export type TwoConversations = {
  srv: Awaited<ReturnType<typeof startProcess>>;
  alice: Agent;
  /** Shopper A, in conversation X with alice. */
  a: ShopperInConversation;
  X: string;
  bob: Agent;
  /** Shopper B, in a conversation with bob. */
  b: ShopperInConversation;
  /** The supervisor, online. */
  sam: Agent;
};

/**
 * A server process with two accepted conversations: X (shopper A with alice) and one of shopper B
 * with bob; sam the supervisor online. If a step fails, what was started is stopped.
 */
export async function twoConversations(extra: Record<string, string> = {}): Promise<TwoConversations> {
  // One conversation per agent: B goes to bob, and a third request waits.
  const srv = await startProcess({ MAX_CHATS: '1', ...extra });
  const sockets: RealtimeClient[] = [];
  const opened = <T extends { rt: RealtimeClient }>(x: T): T => {
    sockets.push(x.rt);
    return x;
  };
  try {
    const alice = opened(await staffOnline(srv.url, DEMO.alice));
    const a = opened(await acceptedBy(srv.url, alice));
    const bob = opened(await staffOnline(srv.url, DEMO.bob));
    const b = opened(await acceptedBy(srv.url, bob));
    const sam = opened(await staffOnline(srv.url, DEMO.sam));
    return { srv, alice, a, X: a.conversationId, bob, b, sam };
  } catch (err) {
    for (const rt of sockets) rt.ws.terminate();
    await srv.cleanup();
    throw err;
  }
}

/** Sends a chat message and waits for its own echo (the stored message). */
export async function say(rt: RealtimeClient, conversationId: string, clientId: string, text: string): Promise<ChatMessage> {
  rt.send({ type: 'chat.send', conversationId, clientId, text });
  return (await rt.next('chat.message', { where: (m) => m.message.clientId === clientId })).message;
}

/** `POST /api/conversations/:id/files?name=` with these bytes (exact Content-Length) and declared type. */
export function upload(url: string, token: string | null, conversationId: string, body: Buffer | string, type: string | null, name?: string): Promise<RawResult> {
  const query = name === undefined ? '' : `?name=${encodeURIComponent(name)}`;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (type !== null) headers['content-type'] = type;
  return raw(`${url}/api/conversations/${encodeURIComponent(conversationId)}/files${query}`, { method: 'POST', headers, body });
}
