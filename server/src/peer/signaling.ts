import express from 'express';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { MAX_SIGNAL_BYTES, Paths } from '../../../protocol/index';
import type { TokenService } from '../auth/tokens';
import type { Logger } from '../log';

/** Who may signal whom; the call service answers from its live calls. */
export type SignalPolicy = { maySignal(src: string, dst: string): boolean };

const RELAYED = new Set(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'EXPIRE']);
/** Per socket: bursts of ICE candidates pass, floods do not. */
const BUCKET = { capacity: 200, refillPerSec: 50 };

/**
 * The PeerJS signaling server (npm `peer`) on our HTTP server, with what `peer` lacks:
 * a peer connects only with a token this server issued for exactly that id; it may relay only
 * to the other peer of its live call; messages are capped in size and rate.
 */
export function createSignaling(opts: { server: Server; tokens: TokenService; policy: SignalPolicy; log: Logger; maxPeersPerOwner: number }) {
  const { tokens, policy, log } = opts;
  /** Live sockets per owner: one client cannot fill the PeerServer with ids. */
  const perOwner = new Map<string, number>();
  let wss: WebSocketServer | null = null;
  const peerApp = ExpressPeerServer(opts.server, {
    path: '/',
    key: Paths.peerKey,
    allow_discovery: false,
    proxied: false,
    createWebSocketServer: (o) => (wss = new WebSocketServer({ noServer: true, path: o.path, maxPayload: MAX_SIGNAL_BYTES })),
  });
  // `peer` creates its WebSocket server when its app is mounted. Its HTTP routes (random ids,
  // peer lists) are not served: clients always connect with a server-issued id.
  // A bad frame (oversize, invalid UTF-8) surfaces as an 'error' on peer's app: never let it throw.
  peerApp.on('error', (err: unknown) => log.warn({ err }, 'signaling socket error'));
  express().use(Paths.peer, peerApp);

  function allow(src: string, data: RawData): boolean {
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return false;
    }
    if (typeof msg !== 'object' || msg === null) return false;
    const { type, dst } = msg as { type?: unknown; dst?: unknown };
    if (type === 'HEARTBEAT') return true;
    if (typeof type !== 'string' || !RELAYED.has(type) || typeof dst !== 'string') return false;
    return policy.maySignal(src, dst);
  }

  /** Filters what `peer` sees of this socket: it registers its own 'message' listener. */
  function guard(ws: WebSocket, peerId: string): void {
    let tokensLeft = BUCKET.capacity;
    let last = Date.now();
    const on = ws.on.bind(ws) as (event: string, listener: (...args: unknown[]) => void) => WebSocket;
    (ws as unknown as { on: typeof on }).on = (event, listener) => {
      if (event !== 'message') return on(event, listener);
      return on('message', (data: unknown, isBinary: unknown) => {
        const now = Date.now();
        tokensLeft = Math.min(BUCKET.capacity, tokensLeft + ((now - last) / 1000) * BUCKET.refillPerSec);
        last = now;
        if (tokensLeft < 1) return void log.warn({ peerId }, 'signaling rate limit: message dropped');
        tokensLeft -= 1;
        if (allow(peerId, data as RawData)) listener(data, isBinary);
        else log.warn({ peerId }, 'signaling message dropped by policy');
      });
    };
  }

  function reject(socket: Duplex, status: number, text: string) {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const id = url.searchParams.get('id');
    const token = url.searchParams.get('token');
    const claim = token ? await tokens.peer(token) : null;
    if (!id || !claim || claim.peerId !== id) {
      log.warn({ id }, 'peer connection refused: no valid token for this id');
      return reject(socket, 401, 'Unauthorized');
    }
    if (!wss) return reject(socket, 503, 'Service Unavailable');
    const held = perOwner.get(claim.owner) ?? 0;
    if (held >= opts.maxPeersPerOwner) {
      log.warn({ owner: claim.owner }, 'peer connection refused: too many live peers for this owner');
      return reject(socket, 429, 'Too Many Requests');
    }
    const server = wss;
    server.handleUpgrade(req, socket, head, (ws) => {
      perOwner.set(claim.owner, (perOwner.get(claim.owner) ?? 0) + 1);
      ws.once('close', () => {
        const n = (perOwner.get(claim.owner) ?? 1) - 1;
        if (n > 0) perOwner.set(claim.owner, n);
        else perOwner.delete(claim.owner);
      });
      guard(ws, id);
      server.emit('connection', ws, req);
    });
  }

  return {
    handleUpgrade,
    close() {
      for (const c of wss?.clients ?? []) c.terminate();
      wss?.close();
    },
  };
}
