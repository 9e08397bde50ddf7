import {
  CloseCode,
  CounterpartError,
  ErrorCode,
  Paths,
  RealtimeTicket,
  apiRequest,
  parseServerMessage,
  type ClientMessage,
  type ServerMessage,
  type ServerMessageOf,
} from '../protocol/index';
import { Emitter } from './emitter';

export type RealtimeEvents = {
  [K in ServerMessage['type']]: (msg: ServerMessageOf<K>) => void;
} & {
  /** Connected (again). */
  connected: () => void;
  /** Lost; `willRetry` is false once the server refused the session. */
  disconnected: (info: { code: number; willRetry: boolean }) => void;
};

/** Where sockets get their single-use tickets: the first may come with the session, later ones from the API. */
export type TicketSource = () => Promise<string>;

export type RealtimeOptions = { baseUrl: string; tickets: TicketSource; minBackoffMs: number; maxBackoffMs: number };
const DEFAULTS = { minBackoffMs: 500, maxBackoffMs: 8000 } as const;

/** Tickets for a bearer token (`POST /api/realtime/ticket`), starting with one already in hand. */
export function ticketsFor(baseUrl: string, token: () => string | null, first?: RealtimeTicket): TicketSource {
  let spare: RealtimeTicket | undefined = first;
  return async () => {
    const t = spare;
    spare = undefined;
    if (t && Date.parse(t.expiresAt) - Date.now() > 2000) return t.ticket;
    const bearer = token();
    if (!bearer) throw new CounterpartError(ErrorCode.Unauthorized, 'Signed out');
    return (await apiRequest(baseUrl, '/api/realtime/ticket', RealtimeTicket, { token: bearer, body: {} })).ticket;
  };
}

/** The realtime channel with typed events and automatic reconnection, opened with tickets. */
export class RealtimeClient extends Emitter<RealtimeEvents> {
  private ws: WebSocket | null = null;
  private backoff: number;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly opts: RealtimeOptions;

  constructor(opts: Pick<RealtimeOptions, 'baseUrl' | 'tickets'> & Partial<RealtimeOptions>) {
    super();
    this.opts = { ...DEFAULTS, ...opts };
    this.backoff = this.opts.minBackoffMs;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    this.stopped = false;
    void this.open();
  }

  private async open(): Promise<void> {
    let ticket: string;
    try {
      ticket = await this.opts.tickets();
    } catch (err) {
      if (this.stopped) return;
      // The session is over (signed out, expired, revoked): no point retrying.
      const refused = err instanceof CounterpartError && (err.code === ErrorCode.Unauthorized || err.code === ErrorCode.Forbidden);
      this.emit('disconnected', { code: CloseCode.Unauthorized, willRetry: !refused });
      if (!refused) this.retry();
      return;
    }
    if (this.stopped) return;
    const url = new URL(Paths.realtime, this.opts.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('ticket', ticket);
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onmessage = (ev) => {
      const msg = typeof ev.data === 'string' ? parseServerMessage(ev.data) : null;
      if (!msg) return;
      if (msg.type === 'hello') {
        this.backoff = this.opts.minBackoffMs;
        this.emit('connected');
      }
      (this.emit as (t: string, m: ServerMessage) => void)(msg.type, msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const willRetry = !this.stopped && ev.code !== CloseCode.Replaced;
      this.emit('disconnected', { code: ev.code, willRetry });
      if (ev.code === CloseCode.TooManyMessages) this.backoff = this.opts.maxBackoffMs;
      if (willRetry) this.retry();
    };
  }

  /** Exponential backoff with jitter: after a restart, clients do not all come back at once. */
  private retry(): void {
    this.timer = setTimeout(() => void this.open(), this.backoff * (0.5 + Math.random()));
    this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs);
  }

  /** After the session's token was renewed: extend this socket's life with a fresh ticket. */
  async renew(): Promise<void> {
    if (!this.connected) return;
    const ticket = await this.opts.tickets();
    this.send({ type: 'session.renew', ticket });
  }

  /** Sends when connected; returns false (nothing queued) when not. */
  send(msg: ClientMessage): boolean {
    if (!this.connected) return false;
    this.ws!.send(JSON.stringify(msg));
    return true;
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = null;
  }
}
