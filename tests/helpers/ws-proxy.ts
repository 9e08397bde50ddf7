/**
 * A WebSocket proxy for the realtime channel, and the browser's WebSocket for Node.
 *
 * Node 20 has no global WebSocket; the client library (client/realtime.ts) needs one: `ws`'s,
 * made to behave like a browser's where the client relies on it, is installed on import.
 *
 * The proxy sits between a RealtimeClient and the real server: a test (or fast-check) decides
 * what happens to each frame, cuts connections as a failing network would, or refuses new ones.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { parseServerMessage, type ClientMessage, type ServerMessage } from '../../protocol/index';

// ---------------------------------------------------------------------------------------------
// The browser's WebSocket, from `ws`

/**
 * `ws`'s WebSocket with the browser's behaviour where the client relies on it: a failed
 * connection is an `error` event nobody has to listen to (a browser never throws for it), then
 * `close` with 1006. Its onopen/onmessage (text frames as strings)/onclose/readyState match.
 */
class BrowserWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    this.on('error', () => {});
  }
}
if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined') {
  (globalThis as { WebSocket?: unknown }).WebSocket = BrowserWebSocket;
}

// ---------------------------------------------------------------------------------------------
// A WebSocket proxy

/** One client connection through the proxy and its upstream connection to the server. */
export type Link = {
  readonly id: number;
  /** Delivers a frame to the client now (nothing once cut). */
  toClient(data: string): void;
  /** Delivers a frame to the server now, or once the upstream is open (nothing once cut). */
  toServer(data: string): void;
  /** Both sides go at once, as when the network fails: what is in flight is lost. */
  cut(): void;
  readonly isCut: boolean;
};

/** What the proxy does with each frame; the default forwards it. */
export type ProxyPolicy = {
  fromServer(data: string, link: Link): void;
  fromClient(data: string, link: Link): void;
};
export const FORWARD: ProxyPolicy = { fromServer: (d, l) => l.toClient(d), fromClient: (d, l) => l.toServer(d) };

const sendable = (code: number) => code === 1000 || (code >= 1001 && code <= 1014 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);

/**
 * Forwards realtime sockets to the server (the path and query, so the ticket, unchanged). A
 * RealtimeClient given `url` as its base connects here; its tickets still come from the server.
 */
export class WsProxy {
  policy: ProxyPolicy = FORWARD;
  /** While true, new connections are refused with 503 (the network is down). */
  refusing = false;
  /** Connections accepted so far. */
  accepted = 0;
  readonly links = new Set<Link>();
  private readonly wss = new WebSocketServer({ noServer: true });

  private constructor(
    private readonly http: http.Server,
    private readonly target: string,
  ) {
    http.on('upgrade', (req, socket, head) => {
      if (this.refusing) return void socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      this.wss.handleUpgrade(req, socket, head, (client) => this.link(client, req.url ?? '/'));
    });
  }

  /** A proxy on 127.0.0.1 to this server's ws:// base URL. */
  static async start(targetWsUrl: string): Promise<WsProxy> {
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new WsProxy(server, targetWsUrl);
  }

  /** The http:// base URL to give a RealtimeClient. */
  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** Cuts every connection (the clients see 1006 and reconnect). */
  cutAll(): void {
    for (const l of [...this.links]) l.cut();
  }

  async close(): Promise<void> {
    this.cutAll();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private link(client: WebSocket, path: string): void {
    this.accepted++;
    const upstream = new WebSocket(`${this.target}${path}`);
    const early: string[] = [];
    let isCut = false;
    const links = this.links;
    const link: Link = {
      id: this.accepted,
      get isCut() {
        return isCut;
      },
      toClient(data) {
        if (!isCut && client.readyState === WebSocket.OPEN) client.send(data);
      },
      toServer(data) {
        if (isCut) return;
        if (upstream.readyState === WebSocket.OPEN) upstream.send(data);
        else if (upstream.readyState === WebSocket.CONNECTING) early.push(data);
      },
      cut() {
        if (isCut) return;
        isCut = true;
        links.delete(link);
        client.terminate();
        upstream.terminate();
      },
    };
    links.add(link);
    client.on('error', () => {});
    upstream.on('error', () => {});
    upstream.on('open', () => {
      for (const d of early.splice(0)) upstream.send(d);
    });
    upstream.on('message', (data) => !isCut && this.policy.fromServer(data.toString(), link));
    client.on('message', (data) => !isCut && this.policy.fromClient(data.toString(), link));
    // A refused upgrade upstream (401, 429) ends here too: the client sees 1006, as it would.
    upstream.on('close', (code, reason) => {
      if (isCut) return;
      isCut = true;
      links.delete(link);
      if (sendable(code)) client.close(code, reason.toString());
      else client.terminate();
    });
    client.on('close', (code) => {
      if (isCut) return;
      isCut = true;
      links.delete(link);
      if (upstream.readyState === WebSocket.OPEN && sendable(code)) upstream.close(code);
      else upstream.terminate();
    });
  }
}

/** Forwards everything and records every frame, parsed (what the client sent, what it was sent). */
export function tap(proxy: WsProxy): { fromClient: ClientMessage[]; fromServer: ServerMessage[] } {
  const seen = { fromClient: [] as ClientMessage[], fromServer: [] as ServerMessage[] };
  proxy.policy = {
    fromServer(d, l) {
      const m = parseServerMessage(d);
      if (m) seen.fromServer.push(m);
      l.toClient(d);
    },
    fromClient(d, l) {
      seen.fromClient.push(JSON.parse(d) as ClientMessage);
      l.toServer(d);
    },
  };
  return seen;
}
