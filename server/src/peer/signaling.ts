import express from 'express';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ExpressPeerServer } from 'peer';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
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

/** One socket's state. Its listeners are shared by every socket (`this` is the socket): no closures per peer. */
type Peer = {
  id: string;
  owner: string;
  sessionId: string | null;
  staff: boolean;
  bucket: TokenBucket;
  dropped: number;
  /** `peer`'s own 'message' listener: what it should see of this socket goes to it. */
  toPeer: (data: RawData, isBinary: boolean) => void;
};

/** A relayed frame's type, destination and payload (HEARTBEAT: dst null), or null if it is not one. */
function parseFrame(data: RawData): { type: string; dst: string | null; payload: unknown } | null {
  let msg: unknown;
  try {
    msg = JSON.parse(data.toString());
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const { type, dst, payload } = msg as { type?: unknown; dst?: unknown; payload?: unknown };
  if (type === 'HEARTBEAT') return { type, dst: null, payload: undefined };
  if (typeof type !== 'string' || !RELAYED.has(type) || typeof dst !== 'string') return null;
  return { type, dst, payload };
}

/**
 * The PeerJS signaling server (npm `peer`) on our HTTP server, with what `peer` lacks:
 * a peer connects only with a token this server issued for exactly that id; it may relay only
 * to the other peer of its live call; messages are capped in size and rate.
 *
 * A permitted frame for a connected peer is relayed here, parsed once and written as `peer` writes
 * it (`{type, src, dst, payload}`), with backpressure. `peer` still owns the sockets' lifecycle
 * (OPEN, ids, heartbeats) and keeps a frame for a peer that has not connected yet until it does.
 */
export function createSignaling(opts: SignalingOptions) {
  const { tokens, policy, refusals } = opts;
  const live = { staff: 0, shoppers: 0 };
  const peers = new Map<WebSocket, Peer>();
  /**
   * Open sockets per staff session, closed when it is revoked; per peer id, closed when its call ends;
   * per owner, closed when its last conversation ends (and counted: one client cannot fill the PeerServer with ids).
   */
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

  const drop = (ws: WebSocket, p: Peer, kind: string) => {
    refusals.count(kind, { peerId: p.id });
    if (++p.dropped > MAX_DROPPED) ws.close(1008, 'too many refused messages');
  };

  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const p = peers.get(this);
    if (!p) return;
    if (!p.bucket.take()) return drop(this, p, 'signaling.rate_limited');
    const msg = isBinary ? null : parseFrame(data);
    if (!msg || (msg.dst !== null && !policy.maySignal(p.id, msg.dst))) return drop(this, p, 'signaling.refused_by_policy');
    const to = msg.dst === null ? undefined : byPeer.get(msg.dst);
    if (to?.readyState !== WebSocket.OPEN) return p.toPeer(data, isBinary);
    // Backpressure: a destination this far behind in reading is cut, not buffered without end.
    if (!cutIfBehind(to, MAX_BUFFERED_BYTES, () => refusals.count('signaling.slow_reader', { peerId: msg.dst })))
      to.send(JSON.stringify({ type: msg.type, src: p.id, dst: msg.dst, payload: msg.payload }));
  }

  // Oversize frames (1009) and invalid UTF-8 (1007) close this socket; nothing else.
  function onError(this: WebSocket, err: Error & { code?: string }): void {
    refusals.count(`signaling.${err.code ?? 'socket_error'}`, { peerId: peers.get(this)?.id ?? null });
  }

  function onClose(this: WebSocket): void {
    const p = peers.get(this);
    if (!p) return;
    peers.delete(this);
    if (p.staff) live.staff--;
    else live.shoppers--;
    const session = p.sessionId ? bySession.get(p.sessionId) : undefined;
    if (session?.delete(this) && session.size === 0) bySession.delete(p.sessionId!);
    if (byPeer.get(p.id) === this) byPeer.delete(p.id);
    const owned = byOwner.get(p.owner);
    if (owned?.delete(this) && owned.size === 0) byOwner.delete(p.owner);
  }

  /** Counts and indexes a socket `peer` has just taken, and puts the guard between it and `peer`. */
  function track(ws: WebSocket, p: Peer): void {
    peers.set(ws, p);
    if (p.staff) live.staff++;
    else live.shoppers++;
    byPeer.set(p.id, ws);
    byOwner.set(p.owner, (byOwner.get(p.owner) ?? new Set<WebSocket>()).add(ws));
    if (p.sessionId) bySession.set(p.sessionId, (bySession.get(p.sessionId) ?? new Set<WebSocket>()).add(ws));
    ws.once('close', onClose);
    ws.on('message', onMessage);
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, params: URLSearchParams): Promise<void> {
    const id = params.get('id');
    const token = params.get('token');
    const claim = token && token.length <= 4096 ? await tokens.peer(token) : null;
    if (!id || !claim || claim.peerId !== id) return refuseUpgrade(socket, refusals, 'signaling.unauthorized', 401);
    if (claim.sessionId && !(await opts.sessionLive(claim.sessionId))) return refuseUpgrade(socket, refusals, 'signaling.session_ended', 401);
    if (!wss) return refuseUpgrade(socket, refusals, 'signaling.not_ready', 503);
    if ((byOwner.get(claim.owner)?.size ?? 0) >= opts.maxPeersPerOwner) return refuseUpgrade(socket, refusals, 'signaling.owner_limit', 429);
    // The last `staffReserve` places are for agents and supervisors: shoppers cannot lock staff out.
    const staff = !claim.owner.startsWith('shopper:');
    if (!staff && !policy.shopperInConversation(claim.owner)) return refuseUpgrade(socket, refusals, 'signaling.no_conversation', 401);
    const limit = staff ? opts.capacity.peers : opts.capacity.peers - opts.capacity.staffReserve;
    if (live.staff + live.shoppers >= limit) return refuseUpgrade(socket, refusals, staff ? 'signaling.full' : 'signaling.full_for_shoppers', 503);
    // `peer` keeps the token of each client to tell a reconnect from an id taken by someone else.
    // Ours has proven the id already: `peer` gets a short stand-in, not the whole signed token.
    req.url = `${Paths.peerSocket}?key=${encodeURIComponent(Paths.peerKey)}&id=${encodeURIComponent(id)}&token=t`;
    const server = wss;
    server.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', onError);
      server.emit('connection', ws, req);
      // `peer` registered its 'message' listener (or refused the socket and is closing it): take it.
      const [toPeer] = ws.listeners('message') as Peer['toPeer'][];
      if (ws.readyState !== WebSocket.OPEN || !toPeer) return;
      ws.removeAllListeners('message');
      track(ws, { id, owner: claim.owner, sessionId: claim.sessionId, staff, bucket: new TokenBucket(BUCKET), dropped: 0, toPeer });
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
