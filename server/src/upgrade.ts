import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { RefusalCounter } from './log';

/** Answers an upgrade request with an HTTP status instead of a socket, counting it (never one log line each). */
export function refuseUpgrade(socket: Duplex, refusals: RefusalCounter, kind: string, status: number): void {
  refusals.count(kind);
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  else socket.destroy();
}
