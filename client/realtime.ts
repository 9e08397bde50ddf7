import { CloseCode, Paths, parseServerMessage, type ClientMessage, type ServerMessage, type ServerMessageOf } from '../protocol/index';
import { Emitter } from './emitter';

export type RealtimeEvents = {
  [K in ServerMessage['type']]: (msg: ServerMessageOf<K>) => void;
} & {
  /** Connected (again). */
  connected: () => void;
  /** Lost; `willRetry` is false once the server refused the token. */
  disconnected: (info: { code: number; willRetry: boolean }) => void;
};

/** `token` may be a getter, so reconnects use a renewed token. */
export type RealtimeOptions = { baseUrl: string; token: string | (() => string); minBackoffMs: number; maxBackoffMs: number };
const DEFAULTS = { minBackoffMs: 500, maxBackoffMs: 8000 } as const;

/** The realtime channel with typed events and automatic reconnection. */
export class RealtimeClient extends Emitter<RealtimeEvents> {
  private ws: WebSocket | null = null;
  private backoff: number;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly opts: RealtimeOptions;

  constructor(opts: Pick<RealtimeOptions, 'baseUrl' | 'token'> & Partial<RealtimeOptions>) {
    super();
    this.opts = { ...DEFAULTS, ...opts };
    this.backoff = this.opts.minBackoffMs;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    this.stopped = false;
    const url = new URL(Paths.realtime, this.opts.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const { token } = this.opts;
    url.searchParams.set('token', typeof token === 'string' ? token : token());
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
      const willRetry = !this.stopped && ev.code !== CloseCode.Unauthorized && ev.code !== CloseCode.Replaced;
      this.emit('disconnected', { code: ev.code, willRetry });
      if (willRetry) {
        this.timer = setTimeout(() => this.connect(), this.backoff);
        this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs);
      }
    };
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
