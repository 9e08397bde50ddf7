/**
 * Sockets to a running test stack: the realtime channel and the PeerServer, each collecting what
 * arrives so a test can `await` the next matching message or assert that none came.
 */
import WebSocket from 'ws';
import { Paths, RealtimeTicket, parseServerMessage, type ClientMessage, type ServerMessage, type ServerMessageOf } from '../../protocol/index';
import { DEFAULT_TIMEOUT_MS, httpRequest, type Stack } from './server';

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

/** A single-use realtime ticket for this bearer token (`POST /api/realtime/ticket`). */
export async function realtimeTicket(baseUrl: string, token: string): Promise<string> {
  const res = await httpRequest(`${baseUrl}/api/realtime/ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`realtime ticket: HTTP ${res.status} ${res.text}`);
  return RealtimeTicket.parse(res.json).ticket;
}

/** Trades the bearer token for a ticket, opens `ws://…/ws?ticket=…` and waits for the server's `hello`. */
export async function openRealtime(stackOrUrl: Stack | string, token: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RealtimeClient> {
  const baseUrl = typeof stackOrUrl === 'string' ? stackOrUrl : stackOrUrl.url;
  return openRealtimeWithTicket(baseUrl, await realtimeTicket(baseUrl, token), timeoutMs);
}

/** Opens `ws://…/ws?ticket=…` with a ticket in hand and waits for the server's `hello`. */
export async function openRealtimeWithTicket(baseUrl: string, ticket: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RealtimeClient> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${Paths.realtime}?ticket=${encodeURIComponent(ticket)}`);
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

export type UpgradeOutcome = { kind: 'refused'; status: number } | { kind: 'opened'; ws: WebSocket } | { kind: 'error'; message: string };

/** Asks for a WebSocket upgrade at this path and query; reports the HTTP refusal or the open socket. */
export function tryUpgrade(stack: Stack, pathAndQuery: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<UpgradeOutcome> {
  const ws = new WebSocket(`${stack.wsUrl}${pathAndQuery}`);
  ws.on('error', () => {});
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve({ kind: 'error', message: 'no answer to the upgrade' });
    }, timeoutMs);
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      res.resume();
      ws.terminate();
      resolve({ kind: 'refused', status: res.statusCode ?? 0 });
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      resolve({ kind: 'error', message: err.message });
    });
    ws.once('open', () => {
      clearTimeout(timer);
      resolve({ kind: 'opened', ws });
    });
  });
}

/** Connects to the realtime channel with this ticket (or none): the HTTP status of a refused upgrade. */
export async function realtimeRefusal(stack: Stack, ticket: string | null): Promise<number | 'opened'> {
  const out = await tryUpgrade(stack, `${Paths.realtime}${ticket === null ? '' : `?ticket=${encodeURIComponent(ticket)}`}`);
  if (out.kind === 'opened') {
    out.ws.terminate();
    return 'opened';
  }
  if (out.kind === 'error') throw new Error(out.message);
  return out.status;
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
