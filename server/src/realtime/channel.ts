import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  ClientMessage,
  CloseCode,
  CounterpartError,
  ErrorCode,
  MAX_REALTIME_BYTES,
  PROTOCOL_VERSION,
  Paths,
  Role,
} from '../../../protocol/index';
import type { Tickets } from '../auth/tickets';
import { can, Permission } from '../auth/permissions';
import { ownerOf, type Principal } from '../auth/tokens';
import { actorOf, type Conversations } from '../conversations/service';
import type { Logger, RefusalCounter } from '../log';
import { RequestBudget } from '../http/limits';
import { TokenBucket } from '../socket-limits';
import { refuseUpgrade } from '../upgrade';
import type { Conn, Hub } from './hub';

const PING_MS = 25_000;
/** Per socket: a burst of 30 messages, then 10 per second. */
const BUCKET = { capacity: 30, refillPerSec: 10 };
/** Dropped-for-rate or invalid messages tolerated before the socket is closed. */
const MAX_DROPPED = 100;
const MAX_INVALID = 10;
/** Sockets one owner may hold (tabs, a console and its reconnect overlap). */
const PER_OWNER = { staff: 4, shopper: 2 };
/** Shopper sockets from one network (an address, an IPv6 /64): a NATed office or campus fits. */
const SHOPPERS_PER_NET = 60;
/** Conversations one shopper session may start (each asks the shop and writes rows). */
const REQUESTS = { points: 5, perSeconds: 600 };
/** Chat messages per owner (each is stored): a burst, then one a second on average. */
const CHATS = { points: 60, perSeconds: 60 };

export type RealtimeOptions = {
  hub: Hub;
  conversations: Conversations;
  tickets: Tickets;
  log: Logger;
  refusals: RefusalCounter;
  capacity: { sockets: number; staffReserve: number };
  /** Checked before a shopper's `conversation.start` (e.g. refused with `closed` outside business hours). */
  beforeStart?: (p: Extract<Principal, { role: Role.Shopper }>) => Promise<void>;
};

/** The one realtime channel: conversations, chat, media negotiation and presence for widget, extension and dashboard. */
export function createRealtime(opts: RealtimeOptions) {
  const { hub, conversations, tickets, log, refusals } = opts;
  const wss = new WebSocketServer({ noServer: true, path: Paths.realtime, maxPayload: MAX_REALTIME_BYTES });
  const alive = new WeakSet<WebSocket>();
  const requests = new RequestBudget(REQUESTS, 'conversation requests');
  const chats = new RequestBudget(CHATS, 'chat messages');

  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) ws.terminate();
      else {
        alive.delete(ws);
        ws.ping();
      }
    }
  }, PING_MS);
  pinger.unref();

  async function handle(conn: Conn, msg: ClientMessage, extend: (until: Date) => void): Promise<void> {
    const p = conn.principal;
    const actor = actorOf(p);
    const c = conversations;
    switch (msg.type) {
      case 'presence.set':
        return c.lifecycle.setPresence(actor, msg.presence);
      case 'conversation.start': {
        if (p.role !== Role.Shopper) throw new CounterpartError(ErrorCode.Forbidden, 'Only shoppers start conversations');
        await opts.beforeStart?.(p);
        await requests.take(null, conn.owner);
        return hub.sendTo(conn, { type: 'conversation.sync', ...(await c.start(p, msg)) });
      }
      case 'conversation.resume':
        return hub.sendTo(conn, { type: 'conversation.sync', ...(await c.resume(p, msg.conversationId, msg.afterSeq)) });
      case 'conversation.end':
        await c.callbacks.withdraw(actor, msg.conversationId);
        return c.lifecycle.end(actor, msg.conversationId);
      case 'offer.accept':
        await c.lifecycle.accept(actor, msg.conversationId);
        // The agent's client gets the whole conversation at once: the messages typed while waiting.
        return hub.sendTo(conn, { type: 'conversation.sync', ...(await c.resume(p, msg.conversationId, 0)) });
      case 'offer.decline':
        return c.lifecycle.decline(actor, msg.conversationId);
      case 'conversation.callback':
        return c.callbacks.request(actor, msg.conversationId);
      case 'conversation.transfer':
        return c.transfers.transfer(actor, msg.conversationId, msg.to, msg.note);
      case 'chat.send':
        await chats.take(null, conn.owner);
        return void (await c.chat.send(actor, msg.conversationId, msg.clientId, msg.text));
      case 'chat.typing':
        return c.chat.typing(actor, msg.conversationId);
      case 'chat.seen':
        return c.chat.seen(actor, msg.conversationId, msg.deliveredSeq, msg.readSeq);
      case 'media.propose':
        return c.media.propose(actor, msg.conversationId, msg.kind);
      case 'media.answer':
        return c.media.answer(actor, msg.conversationId, msg.accept);
      case 'media.stop':
        return c.media.stop(actor, msg.conversationId);
      case 'media.join':
        return c.media.join(actor, msg.conversationId, msg.peerId);
      case 'media.path':
        return c.media.path(actor, msg.conversationId, msg.path);
      case 'qos.sample':
        return c.media.qos(actor, msg.conversationId, msg.sample);
      case 'session.renew': {
        const claim = await tickets.redeem(msg.ticket);
        const session = (x: Principal) => (x.role === Role.Shopper ? x.shopperId : x.sessionId);
        if (!claim || ownerOf(claim.principal) !== conn.owner || session(claim.principal) !== session(p))
          throw new CounterpartError(ErrorCode.Unauthorized, 'That ticket is not valid for this connection');
        extend(claim.socketUntil);
        return hub.sendTo(conn, { type: 'session.renewed', expiresAt: claim.socketUntil.toISOString() });
      }
    }
  }

  function onConnection(ws: WebSocket, principal: Principal, until: Date) {
    const conn = hub.add(ws, principal);
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));

    // The socket lives as long as the token its ticket was traded for; `session.renew` extends it.
    let deadline: NodeJS.Timeout | undefined;
    const extend = (t: Date) => {
      clearTimeout(deadline);
      if (ws.readyState !== ws.OPEN) return;
      deadline = setTimeout(() => ws.close(CloseCode.Unauthorized, 'session expired'), Math.min(Math.max(0, t.getTime() - Date.now()), 2 ** 31 - 1));
    };
    extend(until);

    const bucket = new TokenBucket(BUCKET);
    let dropped = 0;
    let invalid = 0;
    let chain = Promise.resolve();

    const refuse = (kind: string, code: ErrorCode, message: string) => {
      refusals.count(`realtime.${kind}`, { owner: conn.owner });
      hub.sendTo(conn, { type: 'error', code, message });
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      alive.add(ws);
      if (!bucket.take()) {
        refusals.count('realtime.rate_limited', { owner: conn.owner });
        if (++dropped > MAX_DROPPED) ws.close(CloseCode.TooManyMessages, 'too many messages');
        return;
      }
      const msg = isBinary ? ({ ok: false, error: 'Binary frames are not accepted' } as const) : parse(data.toString());
      if (!msg.ok) {
        refuse('invalid', ErrorCode.BadRequest, msg.error);
        if (++invalid >= MAX_INVALID) ws.close(CloseCode.PolicyViolation, 'too many invalid messages');
        return;
      }
      chain = chain.then(() =>
        handle(conn, msg.value, extend).catch((err: unknown) => {
          const e = err instanceof CounterpartError ? err : null;
          if (!e) log.error({ err }, 'realtime handler failed');
          const conversationId = 'conversationId' in msg.value ? msg.value.conversationId : undefined;
          const clientId = msg.value.type === 'chat.send' ? msg.value.clientId : undefined;
          hub.sendTo(conn, {
            type: 'error',
            code: e?.code ?? ErrorCode.Internal,
            message: e?.message ?? 'Internal error',
            ...(conversationId ? { conversationId } : {}),
            ...(clientId ? { clientId } : {}),
          });
        }),
      );
    });
    // Oversize frames (1009) and invalid UTF-8 (1007): `ws` closes the socket with the right code.
    ws.on('error', (err: Error & { code?: string }) => refusals.count(`realtime.${err.code ?? 'socket_error'}`, { owner: conn.owner }));
    ws.on('close', () => {
      clearTimeout(deadline);
      // Only agents and shoppers take part in conversations: a watcher's socket leaving changes nothing.
      if (!hub.remove(conn) || (principal.role !== Role.Agent && principal.role !== Role.Shopper)) return;
      conversations.lifecycle.disconnected(actorOf(principal).party).catch((err: unknown) => log.error({ err }, 'disconnect handling failed'));
    });
    hub.sendTo(conn, {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      role: principal.role,
      userId: principal.role === Role.Shopper ? principal.shopperId : String(principal.userId),
    });
    if (can(principal.role, Permission.WatchAll)) hub.sendTo(conn, { type: 'snapshot', ...conversations.snapshot() });
    else if (principal.role === Role.Agent || principal.role === Role.Shopper) void welcome(conn).catch((err: unknown) => log.error({ err }, 'connect handling failed'));
  }

  /**
   * A participant's socket opened: its first one marks it connected again in its conversations,
   * and every socket gets the state of each live conversation it is in (a console reopened after
   * a crash finds its conversation without having stored anything).
   */
  async function welcome(conn: Conn): Promise<void> {
    const p = conn.principal;
    if (hub.connectionsOf(conn.owner) === 1) await conversations.lifecycle.connected(actorOf(p).party);
    else if (p.role === Role.Agent) {
      const a = conversations.core.agents.get(p.userId);
      if (a) conversations.core.publishAgent(a, true);
    }
    for (const c of conversations.liveOf(p)) hub.sendTo(conn, { type: 'conversation.sync', ...(await conversations.resume(p, c.id, 0)) });
  }

  /** Authenticates and admits before the upgrade: refused clients get an HTTP status, not a socket. */
  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, params: URLSearchParams): Promise<void> {
    const ticket = params.get('ticket');
    const claim = ticket && ticket.length <= 2048 ? await tickets.redeem(ticket) : null;
    if (!claim) return refuseUpgrade(socket, refusals, 'realtime.unauthorized', 401);
    const owner = ownerOf(claim.principal);
    const staff = claim.principal.role !== Role.Shopper;
    if (hub.connectionsOf(owner) >= (staff ? PER_OWNER.staff : PER_OWNER.shopper))
      return refuseUpgrade(socket, refusals, 'realtime.owner_limit', 429);
    if (claim.principal.role === Role.Shopper && hub.shoppersFrom(claim.principal.net) >= SHOPPERS_PER_NET)
      return refuseUpgrade(socket, refusals, 'realtime.network_limit', 429);
    const n = hub.counts();
    const limit = staff ? opts.capacity.sockets : opts.capacity.sockets - opts.capacity.staffReserve;
    if (n.staff + n.shoppers >= limit) return refuseUpgrade(socket, refusals, staff ? 'realtime.full' : 'realtime.full_for_shoppers', 503);
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, claim.principal, claim.socketUntil));
  }

  return {
    handleUpgrade,
    /** Sends close frames; `terminate` cuts whatever has not closed. */
    close() {
      clearInterval(pinger);
      hub.closeAll(CloseCode.ServerShutdown, 'server shutting down');
    },
    terminate() {
      hub.terminateAll();
      wss.close();
    },
  };
}

function parse(raw: string): { ok: true; value: ClientMessage } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'Messages must be JSON' };
  }
  const parsed = ClientMessage.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: `Invalid message: ${parsed.error.issues[0]?.message}` };
}
