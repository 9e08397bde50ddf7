import type { WebSocket } from 'ws';
import { CloseCode } from '../../protocol/index';

/** A per-socket message budget: bursts up to `capacity` pass, then `refillPerSec`. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly b: { capacity: number; refillPerSec: number }) {
    this.tokens = b.capacity;
  }

  /** Spends one token; false when none is left. */
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.b.capacity, this.tokens + ((now - this.last) / 1000) * this.b.refillPerSec);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Backpressure for what the server sends: a reader more than `maxBytes` behind is closed (4429)
 * and cut a second later, rather than buffered without end. True when nothing should be sent;
 * `onCut` runs once, when the socket is closed for it.
 */
export function cutIfBehind(ws: WebSocket, maxBytes: number, onCut: () => void = () => {}): boolean {
  if (ws.bufferedAmount <= maxBytes) return false;
  if (ws.readyState === ws.OPEN) {
    onCut();
    ws.close(CloseCode.TooManyMessages, 'reading too slowly');
    setTimeout(() => ws.terminate(), 1000).unref();
  }
  return true;
}
