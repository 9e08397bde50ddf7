import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
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
import type { Principal, TokenService } from '../auth/tokens';
import type { CallService } from '../calls/service';
import type { Logger } from '../log';
import type { Conn, Hub } from './hub';

const PING_MS = 25_000;

/** The one realtime channel: queue, presence and call events for widget, extension and dashboard. */
export function createRealtime(opts: { hub: Hub; calls: CallService; tokens: TokenService; log: Logger }) {
  const { hub, calls, tokens, log } = opts;
  const wss = new WebSocketServer({ noServer: true, path: Paths.realtime, maxPayload: MAX_REALTIME_BYTES });
  const alive = new WeakSet<WebSocket>();

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

  async function handle(conn: Conn, raw: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new CounterpartError(ErrorCode.BadRequest, 'Messages must be JSON');
    }
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) throw new CounterpartError(ErrorCode.BadRequest, `Invalid message: ${parsed.error.issues[0]?.message}`);
    const msg = parsed.data;
    const p = conn.principal;
    switch (msg.type) {
      case 'presence.set':
        return calls.setPresence(p, msg.presence);
      case 'call.request':
        if (p.role !== Role.Shopper) throw new CounterpartError(ErrorCode.Forbidden, 'Only shoppers request calls');
        return calls.request(p, msg);
      case 'call.accept':
        return calls.accept(p, msg.callId, msg.peerId);
      case 'call.decline':
        return calls.decline(p, msg.callId);
      case 'call.media':
        return calls.mediaFlowing(p, msg.callId);
      case 'call.hangup':
        return calls.hangup(p, msg.callId);
      case 'qos.sample':
        return calls.qos(p, msg.callId, msg.sample);
    }
  }

  function onConnection(ws: WebSocket, principal: Principal) {
    const conn = hub.add(ws, principal);
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    let chain = Promise.resolve();
    ws.on('message', (data) => {
      alive.add(ws);
      const raw = data.toString();
      chain = chain.then(() =>
        handle(conn, raw).catch((err: unknown) => {
          const e = err instanceof CounterpartError ? err : null;
          if (!e) log.error({ err }, 'realtime handler failed');
          let callId: unknown;
          try {
            callId = (JSON.parse(raw) as { callId?: unknown } | null)?.callId;
          } catch {
            callId = undefined;
          }
          hub.sendTo(conn, {
            type: 'error',
            code: e?.code ?? ErrorCode.Internal,
            message: e?.message ?? 'Internal error',
            ...(typeof callId === 'string' ? { callId } : {}),
          });
        }).catch(() => {}),
      );
    });
    ws.on('close', () => {
      if (!hub.remove(conn)) return;
      if (principal.role === Role.Agent) calls.agentGone(principal.userId);
      if (principal.role === Role.Shopper) calls.shopperGone(conn.owner);
    });
    hub.sendTo(conn, {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      role: principal.role,
      userId: principal.role === Role.Shopper ? principal.shopperId : String(principal.userId),
    });
    if (principal.role === Role.Supervisor) hub.sendTo(conn, { type: 'snapshot', ...calls.snapshot() });
    if (principal.role === Role.Agent) calls.agentConnected(principal.userId);
    if (principal.role === Role.Shopper) calls.shopperBack(conn.owner);
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
    const principal = token ? await tokens.principal(token) : null;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!principal) return ws.close(CloseCode.Unauthorized, 'unauthorized');
      onConnection(ws, principal);
    });
  }

  return {
    handleUpgrade,
    close() {
      clearInterval(pinger);
      hub.closeAll(CloseCode.ServerShutdown, 'server shutting down');
      wss.close();
    },
  };
}
