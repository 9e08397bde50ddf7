import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RefusalCounter } from './log';

/** How long a refused client has to read the answer before its connection is cut. */
const LINGER_MS = 1000;

/**
 * Answers an upgrade request with an HTTP status instead of a socket, counting it (never one log
 * line each), and destroys the connection once answered: after an upgrade request Node's HTTP
 * timeouts no longer apply, so a client that never hangs up would otherwise keep it forever.
 */
export function refuseUpgrade(socket: Duplex, refusals: RefusalCounter, kind: string, status: number): void {
  refusals.count(kind);
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/** The path and query of a request, or null when its target is not an origin-form path (`//`, `*`, junk). */
export function requestTarget(req: IncomingMessage): { pathname: string; params: URLSearchParams } | null {
  const raw = req.url ?? '';
  if (!raw.startsWith('/') || raw.startsWith('//')) return null;
  try {
    const url = new URL(raw, 'http://x');
    return { pathname: url.pathname, params: url.searchParams };
  } catch {
    return null;
  }
}
