/**
 * Shared helpers for tests that run the real Counterpart server (and the real demo shop) on
 * loopback: start a stack, call the REST API, open realtime channel and PeerServer sockets.
 * Everything is typed against `protocol/`; nothing here mocks project code.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import {
  LoginResponse,
  Paths,
  RtcCredentials,
  ShopperSessionResponse,
  parseServerMessage,
  type ClientMessage,
  type ServerMessage,
  type ServerMessageOf,
} from '../../protocol/index';
import { startShop } from '../../demo-shop/src/app';
import { startServer, type RunningServer } from '../../server/src/app';
import { loadConfig, type Config } from '../../server/src/config';

export const DEFAULT_TIMEOUT_MS = 5000;

export const DEMO = {
  alice: { email: 'alice@counterpart.test', password: 'alice-demo-pass' },
  bob: { email: 'bob@counterpart.test', password: 'bob-demo-pass' },
  sam: { email: 'sam@counterpart.test', password: 'sam-demo-pass' },
} as const;

export const SITE = {
  key: 'demo-shop',
  origin: 'http://shop.test',
  identitySecret: 'test-identity-secret',
  consumerKey: 'ck_test',
  consumerSecret: 'cs_test',
} as const;

export type Stack = {
  server: RunningServer;
  config: Config;
  /** http://127.0.0.1:<port> of the Counterpart server. */
  url: string;
  /** ws://127.0.0.1:<port>, for the realtime channel and the PeerServer. */
  wsUrl: string;
  /** The demo shop's base URL, or null when started without it. */
  shopUrl: string | null;
  dataDir: string;
  close(): Promise<void>;
};

export type StackOptions = {
  /** Extra or overriding server environment (see server/src/config.ts). */
  env?: Record<string, string>;
  /** Start the real demo shop and point SHOP_URL at it (default true). */
  shop?: boolean;
  /** Runs on the fresh data dir before the server starts (e.g. to pre-create users). */
  prepare?: (dataDir: string) => Promise<void>;
};

/** A fresh data dir, the demo shop on port 0 and the server on 127.0.0.1 port 0. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-int-'));
  const shop =
    opts.shop === false
      ? null
      : await startShop({
          port: 0,
          // Only the storefront's widget tag uses this; integration tests do not load it.
          counterpartUrl: 'http://127.0.0.1:1',
          siteKey: SITE.key,
          identitySecret: SITE.identitySecret,
          consumerKey: SITE.consumerKey,
          consumerSecret: SITE.consumerSecret,
        });
  try {
    await opts.prepare?.(dataDir);
    const config = loadConfig({
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      RING_TIMEOUT_MS: '1500',
      RECONNECT_GRACE_MS: '500',
      SITE_KEY: SITE.key,
      SITE_ORIGINS: SITE.origin,
      SITE_IDENTITY_SECRET: SITE.identitySecret,
      SHOP_URL: shop?.url ?? 'http://127.0.0.1:1',
      SHOP_CONSUMER_KEY: SITE.consumerKey,
      SHOP_CONSUMER_SECRET: SITE.consumerSecret,
      STATIC_DIR: path.join(dataDir, 'no-static'),
      ...opts.env,
    });
    const server = await startServer(config);
    return {
      server,
      config,
      url: server.url,
      wsUrl: server.url.replace(/^http/, 'ws'),
      shopUrl: shop?.url ?? null,
      dataDir,
      async close() {
        await server.close();
        await shop?.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await shop?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

export type HttpResult = { status: number; headers: http.IncomingHttpHeaders; text: string; json: unknown };

/** A raw HTTP request with exactly the given headers (fetch would add or forbid some, e.g. Origin). */
export function httpRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; rawBody?: string } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...init.headers };
  let payload: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    payload = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? (payload === undefined ? 'GET' : 'POST'), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = text ? (JSON.parse(text) as unknown) : null;
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function expectOk(res: HttpResult, what: string): unknown {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${res.text}`);
  return res.json;
}

export async function login(baseUrl: string, user: { email: string; password: string }): Promise<LoginResponse> {
  const res = await httpRequest(`${baseUrl}/api/auth/login`, { body: user });
  return LoginResponse.parse(expectOk(res, 'login'));
}

/** HMAC-SHA256(identitySecret, String(customerId)), hex: how a shop vouches for its customer. */
export function signCustomer(identitySecret: string, customerId: number): string {
  return createHmac('sha256', identitySecret).update(String(customerId)).digest('hex');
}

export async function shopperSession(
  baseUrl: string,
  opts: { origin?: string; siteKey?: string; customerId?: number; identitySecret?: string } = {},
): Promise<ShopperSessionResponse> {
  const customer =
    opts.customerId === undefined
      ? undefined
      : { id: opts.customerId, signature: signCustomer(opts.identitySecret ?? SITE.identitySecret, opts.customerId) };
  const res = await httpRequest(`${baseUrl}/api/shopper/session`, {
    headers: { origin: opts.origin ?? SITE.origin },
    body: { siteKey: opts.siteKey ?? SITE.key, ...(customer ? { customer } : {}) },
  });
  return ShopperSessionResponse.parse(expectOk(res, 'shopper session'));
}

export async function rtcCredentials(baseUrl: string, token: string): Promise<RtcCredentials> {
  const res = await httpRequest(`${baseUrl}/api/rtc/credentials`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return RtcCredentials.parse(expectOk(res, 'rtc credentials'));
}

// ---------------------------------------------------------------------------------------------
// Waiting

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `fn` until it returns a non-null value. */
export async function waitFor<T>(fn: () => Promise<T | null> | T | null, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}

type Waiter<M> = { match: (m: M) => boolean; resolve: (m: M) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/** A buffer of received messages: `take` removes the first match, waiting for it if needed. */
class Inbox<M> {
  private readonly buffer: M[] = [];
  private readonly waiters = new Set<Waiter<M>>();
  readonly all: M[] = [];
  private closedWith: Error | null = null;

  push(m: M): void {
    this.all.push(m);
    for (const w of this.waiters) {
      if (w.match(m)) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(m);
        return;
      }
    }
    this.buffer.push(m);
  }

  fail(err: Error): void {
    this.closedWith = err;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
  }

  take(match: (m: M) => boolean, what: string, timeoutMs: number): Promise<M> {
    const i = this.buffer.findIndex(match);
    if (i >= 0) return Promise.resolve(this.buffer.splice(i, 1)[0]!);
    if (this.closedWith) return Promise.reject(new Error(`${what}: socket closed (${this.closedWith.message})`));
    return new Promise<M>((resolve, reject) => {
      const w: Waiter<M> = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  /** Unconsumed messages matching. */
  pending(match: (m: M) => boolean): M[] {
    return this.buffer.filter(match);
  }
}

export type CloseInfo = { code: number; reason: string };

function closedPromise(ws: WebSocket): Promise<CloseInfo> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

// ---------------------------------------------------------------------------------------------
// Realtime channel

export type RealtimeClient = {
  ws: WebSocket;
  hello: ServerMessageOf<'hello'>;
  /** Every valid message received, in order (hello included). */
  received: ServerMessage[];
  /** Frames that did not parse as a ServerMessage (a protocol violation by the server). */
  invalid: string[];
  closed: Promise<CloseInfo>;
  /** The first not yet consumed message of this type (and matching `where`), waiting up to timeoutMs. */
  next<T extends ServerMessage['type']>(
    type: T,
    opts?: { timeoutMs?: number; where?: (m: ServerMessageOf<T>) => boolean },
  ): Promise<ServerMessageOf<T>>;
  /** Resolves when no message of this type arrived within `ms`; rejects with the message otherwise. */
  expectNone<T extends ServerMessage['type']>(type: T, ms: number, where?: (m: ServerMessageOf<T>) => boolean): Promise<void>;
  send(msg: ClientMessage): void;
  sendRaw(data: string): void;
  close(): Promise<CloseInfo>;
};

/** Opens `ws://…/ws?token=…` and waits for the server's `hello`. */
export async function openRealtime(stackOrUrl: Stack | string, token: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RealtimeClient> {
  const base = typeof stackOrUrl === 'string' ? stackOrUrl.replace(/^http/, 'ws') : stackOrUrl.wsUrl;
  const ws = new WebSocket(`${base}${Paths.realtime}?token=${encodeURIComponent(token)}`);
  const inbox = new Inbox<ServerMessage>();
  const invalid: string[] = [];
  const closed = closedPromise(ws);
  ws.on('message', (data: WebSocket.RawData) => {
    const raw = data.toString();
    const msg = parseServerMessage(raw);
    if (msg) inbox.push(msg);
    else invalid.push(raw);
  });
  ws.on('error', (err) => inbox.fail(err));
  void closed.then((c) => inbox.fail(new Error(`closed with ${c.code} ${c.reason}`)));

  const next = <T extends ServerMessage['type']>(
    type: T,
    opts: { timeoutMs?: number; where?: (m: ServerMessageOf<T>) => boolean } = {},
  ): Promise<ServerMessageOf<T>> => {
    const where = opts.where;
    const match = (m: ServerMessage): boolean => m.type === type && (!where || where(m as ServerMessageOf<T>));
    return inbox.take(match, `'${type}'`, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) as Promise<ServerMessageOf<T>>;
  };

  const hello = await next('hello', { timeoutMs });
  return {
    ws,
    hello,
    received: inbox.all,
    invalid,
    closed,
    next,
    async expectNone(type, ms, where) {
      const got = await next(type, { timeoutMs: ms, ...(where ? { where } : {}) }).then(
        (m) => m,
        () => null,
      );
      if (got) throw new Error(`expected no '${type}' within ${ms} ms, got ${JSON.stringify(got)}`);
    },
    send: (msg) => ws.send(JSON.stringify(msg)),
    sendRaw: (data) => ws.send(data),
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return closed;
      ws.close();
      return closed;
    },
  };
}

/** Connects to the realtime channel with this token (or none) and reports how the socket ended. */
export function realtimeOutcome(stack: Stack, token: string | null, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<{ messages: string[]; close: CloseInfo }> {
  const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(`${stack.wsUrl}${Paths.realtime}${q}`);
  const messages: string[] = [];
  ws.on('message', (d: WebSocket.RawData) => messages.push(d.toString()));
  ws.on('error', () => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('realtime socket was not closed by the server'));
    }, timeoutMs);
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ messages, close: { code, reason: reason.toString() } });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// PeerServer (PeerJS signaling)

/** A frame the PeerServer sends or relays: `OPEN`, `ERROR`, `ID-TAKEN`, `OFFER`, … */
export type PeerFrame = { type: string; src?: string; dst?: string; payload?: unknown };

export type PeerSocket = {
  ws: WebSocket;
  id: string;
  frames: PeerFrame[];
  closed: Promise<CloseInfo>;
  next(type: string, opts?: { timeoutMs?: number; where?: (f: PeerFrame) => boolean }): Promise<PeerFrame>;
  expectNone(type: string, ms: number, where?: (f: PeerFrame) => boolean): Promise<void>;
  send(frame: PeerFrame): void;
  sendRaw(data: string): void;
  close(): Promise<CloseInfo>;
};

export type PeerConnectResult =
  | { kind: 'open'; socket: PeerSocket }
  | { kind: 'refused'; status: number }
  | { kind: 'error'; message: string };

export function peerSocketUrl(stack: Stack, id: string, token: string | null): string {
  const q = new URLSearchParams({ key: Paths.peerKey, id });
  if (token !== null) q.set('token', token);
  return `${stack.wsUrl}${Paths.peerSocket}?${q.toString()}`;
}

function isPeerFrame(v: unknown): v is PeerFrame {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

/** Opens a raw PeerServer socket; resolves once the upgrade is answered (open, refused or error). */
export function connectPeer(stack: Stack, id: string, token: string | null, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PeerConnectResult> {
  const ws = new WebSocket(peerSocketUrl(stack, id, token));
  const inbox = new Inbox<PeerFrame>();
  const closed = closedPromise(ws);
  ws.on('error', () => {});
  ws.on('message', (data: WebSocket.RawData) => {
    let v: unknown = null;
    try {
      v = JSON.parse(data.toString()) as unknown;
    } catch {
      v = null;
    }
    inbox.push(isPeerFrame(v) ? v : { type: '(unparseable)', payload: data.toString() });
  });
  void closed.then((c) => inbox.fail(new Error(`closed with ${c.code}`)));
  const next = (type: string, opts: { timeoutMs?: number; where?: (f: PeerFrame) => boolean } = {}) =>
    inbox.take((f) => f.type === type && (!opts.where || opts.where(f)), `peer frame '${type}'`, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const socket: PeerSocket = {
    ws,
    id,
    frames: inbox.all,
    closed,
    next,
    async expectNone(type, ms, where) {
      const got = await next(type, { timeoutMs: ms, ...(where ? { where } : {}) }).then(
        (f) => f,
        () => null,
      );
      if (got) throw new Error(`expected no '${type}' within ${ms} ms, got ${JSON.stringify(got)}`);
    },
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (data) => ws.send(data),
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return closed;
      ws.close();
      return closed;
    },
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve({ kind: 'error', message: 'no answer to the upgrade' });
    }, timeoutMs);
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      res.resume();
      resolve({ kind: 'refused', status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      resolve({ kind: 'error', message: err.message });
    });
    ws.once('open', () => {
      clearTimeout(timer);
      resolve({ kind: 'open', socket });
    });
  });
}

/** Opens a PeerServer socket with valid credentials and waits for PeerJS's `OPEN`. */
export async function openPeer(stack: Stack, creds: { peerId: string; peerToken: string }): Promise<PeerSocket> {
  const r = await connectPeer(stack, creds.peerId, creds.peerToken);
  if (r.kind !== 'open') throw new Error(`peer socket for ${creds.peerId} not opened: ${JSON.stringify(r)}`);
  await r.socket.next('OPEN');
  return r.socket;
}

// ---------------------------------------------------------------------------------------------
// Process health

/**
 * Records uncaught exceptions while active. The server runs in the test process, so an error
 * that would crash a production server shows up here (vitest would also report it, but late
 * and without saying which step caused it).
 */
export function watchUncaught(): { errors: Error[]; stop(): void } {
  const errors: Error[] = [];
  const onError = (err: Error) => errors.push(err);
  process.on('uncaughtException', onError);
  return { errors, stop: () => void process.off('uncaughtException', onError) };
}
