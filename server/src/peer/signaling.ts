import express from 'express';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { MAX_SIGNAL_BYTES, Paths } from '../../../protocol/index';
import type { TokenService } from '../auth/tokens';
import type { RefusalCounter } from '../log';
import { TokenBucket, cutIfBehind } from '../socket-limits';
import { refuseUpgrade } from '../upgrade';

/** Who may connect and signal whom; the conversation domain answers from its live media sessions. */
export type SignalPolicy = {
  maySignal(src: string, dst: string): boolean;
  /** A shopper's peer is usable only while the shopper is in a live conversation. */
  shopperInConversation(owner: string): boolean;
};

const RELAYED = new Set(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'EXPIRE']);
/** Per socket: bursts of ICE candidates pass, floods do not. */
const BUCKET = { capacity: 200, refillPerSec: 50 };
/** Messages dropped (rate or policy) before the socket is closed. */
const MAX_DROPPED = 500;
/** A peer this far behind in reading what is relayed to it is cut, not buffered without end. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export type SignalingOptions = {
  server: Server;
  tokens: TokenService;
  policy: SignalPolicy;
  refusals: RefusalCounter;
  /** Whether a staff session is still live: its peer tokens connect nothing once it is revoked. */
  sessionLive: (sessionId: string) => Promise<boolean>;
  maxPeersPerOwner: number;
  capacity: { peers: number; staffReserve: number };
};

/**
 * The PeerJS signaling server (npm `peer`) on our HTTP server, with what `peer` lacks:
 * a peer connects only with a token this server issued for exactly that id; it may relay only
 * to the other peer of its live call; messages are capped in size and rate.
 */
export function createSignaling(opts: SignalingOptions) {
  const { tokens, policy, refusals } = opts;
  /** Live sockets per owner: one client cannot fill the PeerServer with ids. */
  const perOwner = new Map<string, number>();
  const live = { staff: 0, shoppers: 0 };
  /** Open sockets per staff session, closed when it is revoked; per peer id, closed when its call ends. */
  const bySession = new Map<string, Set<WebSocket>>();
  const byPeer = new Map<string, WebSocket>();
  const byOwner = new Map<string, Set<WebSocket>>();
  let wss: WebSocketServer | null = null;
  const peerApp = ExpressPeerServer(opts.server, {
    path: '/',
    key: Paths.peerKey,
    allow_discovery: false,
    proxied: false,
    // Our own admission (below) is the limit; peer's must not refuse before it.
    concurrent_limit: opts.capacity.peers + 1,
    createWebSocketServer: (o) => (wss = new WebSocketServer({ noServer: true, path: o.path, maxPayload: MAX_SIGNAL_BYTES })),
  });
  // `peer` creates its WebSocket server when its app is mounted. Its HTTP routes (random ids,
  // peer lists) are not served: clients always connect with a server-issued id.
  // A bad frame (oversize, invalid UTF-8) surfaces as an 'error' on peer's app: never let it throw.
  peerApp.on('error', (err: unknown) => refusals.count(`signaling.${(err as { code?: string }).code ?? 'socket_error'}`));
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
    const bucket = new TokenBucket(BUCKET);
    let dropped = 0;
    const drop = (kind: string) => {
      refusals.count(kind, { peerId });
      if (++dropped > MAX_DROPPED) ws.close(1008, 'too many refused messages');
    };
    // Backpressure: what `peer` relays to this socket goes through here.
    const send = ws.send.bind(ws) as (data: unknown, ...rest: unknown[]) => void;
    (ws as unknown as { send: typeof send }).send = (data, ...rest) => {
      if (!cutIfBehind(ws, MAX_BUFFERED_BYTES, () => refusals.count('signaling.slow_reader', { peerId }))) send(data, ...rest);
    };
    // Oversize frames (1009) and invalid UTF-8 (1007) close this socket; nothing else.
    ws.on('error', (err: Error & { code?: string }) => refusals.count(`signaling.${err.code ?? 'socket_error'}`, { peerId }));
    const on = ws.on.bind(ws) as (event: string, listener: (...args: unknown[]) => void) => WebSocket;
    (ws as unknown as { on: typeof on }).on = (event, listener) => {
      if (event !== 'message') return on(event, listener);
      return on('message', (data: unknown, isBinary: unknown) => {
        if (!bucket.take()) return drop('signaling.rate_limited');
        if (!isBinary && allow(peerId, data as RawData)) listener(data, isBinary);
        else drop('signaling.refused_by_policy');
      });
    };
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, params: URLSearchParams): Promise<void> {
    const id = params.get('id');
    const token = params.get('token');
    const claim = token && token.length <= 4096 ? await tokens.peer(token) : null;
    if (!id || !claim || claim.peerId !== id) return refuseUpgrade(socket, refusals, 'signaling.unauthorized', 401);
    if (claim.sessionId && !(await opts.sessionLive(claim.sessionId))) return refuseUpgrade(socket, refusals, 'signaling.session_ended', 401);
    if (!wss) return refuseUpgrade(socket, refusals, 'signaling.not_ready', 503);
    if ((perOwner.get(claim.owner) ?? 0) >= opts.maxPeersPerOwner) return refuseUpgrade(socket, refusals, 'signaling.owner_limit', 429);
    // The last `staffReserve` places are for agents and supervisors: shoppers cannot lock staff out.
    const staff = !claim.owner.startsWith('shopper:');
    if (!staff && !policy.shopperInConversation(claim.owner)) return refuseUpgrade(socket, refusals, 'signaling.no_conversation', 401);
    const limit = staff ? opts.capacity.peers : opts.capacity.peers - opts.capacity.staffReserve;
    if (live.staff + live.shoppers >= limit) return refuseUpgrade(socket, refusals, staff ? 'signaling.full' : 'signaling.full_for_shoppers', 503);
    const server = wss;
    server.handleUpgrade(req, socket, head, (ws) => {
      perOwner.set(claim.owner, (perOwner.get(claim.owner) ?? 0) + 1);
      if (staff) live.staff++;
      else live.shoppers++;
      byPeer.set(id, ws);
      const ownerSockets = byOwner.get(claim.owner) ?? new Set<WebSocket>();
      byOwner.set(claim.owner, ownerSockets.add(ws));
      const sessionSockets = claim.sessionId ? (bySession.get(claim.sessionId) ?? new Set<WebSocket>()) : null;
      if (sessionSockets && claim.sessionId) bySession.set(claim.sessionId, sessionSockets.add(ws));
      ws.once('close', () => {
        if (staff) live.staff--;
        else live.shoppers--;
        if (sessionSockets?.delete(ws) && sessionSockets.size === 0) bySession.delete(claim.sessionId!);
        if (byPeer.get(id) === ws) byPeer.delete(id);
        if (ownerSockets.delete(ws) && ownerSockets.size === 0 && byOwner.get(claim.owner) === ownerSockets) byOwner.delete(claim.owner);
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
    /** PeerServer sockets now, by kind of owner. */
    counts: () => ({ ...live }),
    /** A call ended: its peers have nothing more to signal. */
    closePeers(peerIds: string[]) {
      for (const p of peerIds) byPeer.get(p)?.close(1000, 'call ended');
    },
    /** Every peer of an owner (a shopper whose last conversation ended, joined to a media session or not). */
    closeOwner(owner: string) {
      for (const ws of byOwner.get(owner) ?? []) ws.close(1000, 'conversation ended');
    },
    /** A staff session was revoked: its peers are cut off. */
    closeSession(sessionId: string) {
      for (const ws of bySession.get(sessionId) ?? []) ws.close(4401, 'session ended');
    },
    close() {
      for (const c of wss?.clients ?? []) c.terminate();
      wss?.close();
    },
  };
}
