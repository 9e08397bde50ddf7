/**
 * 10,000 shoppers ask at once (each from its own address, through TRUST_PROXY): every one is
 * queued or refused with a clear message, the places told are consistent (1…n, each once), and
 * the server keeps answering meanwhile. The server runs in its own process (its own descriptors).
 */
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode, Paths, ShopperSessionResponse, parseServerMessage, type ServerMessage } from '../../protocol/index';
import { startMessage } from '../helpers/conversations';
import { SITE } from '../helpers/server';
import { startProcess } from './support';

const SHOPPERS = 10_000;
const QUEUE_MAX = 8_000;

type Client = { ws: WebSocket; got: ServerMessage[] };

/** At most `n` at a time. */
async function pool<T>(items: number, n: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(items);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

let srv: Awaited<ReturnType<typeof startProcess>> | undefined;
const clients: Client[] = [];
afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  await srv?.cleanup();
});

describe('a burst of requests', () => {
  it(`${SHOPPERS} at once: each queued or refused with a clear message, places 1…n each once, the server answering throughout`, async () => {
    srv = await startProcess({
      TRUST_PROXY: '1', QUEUE_MAX_PER_SITE: String(QUEUE_MAX), MAX_REALTIME_SOCKETS: String(SHOPPERS + 500),
      RATE_SITE_SESSIONS_PER_MINUTE: String(SHOPPERS * 2), RECONNECT_GRACE_MS: '60000',
    });
    const url = srv.url;
    const addr = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    // Each shopper: a session from its own address, then its realtime socket (open, hello received).
    const opened = await pool(SHOPPERS, 64, async (i) => {
      const res = await fetch(`${url}/api/shopper/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SITE.origin, 'x-forwarded-for': addr(i + 1) },
        body: JSON.stringify({ siteKey: SITE.key }),
      });
      expect(res.status).toBe(200);
      const { ticket } = ShopperSessionResponse.parse(await res.json()).ticket;
      // The ticket is for the address that asked for it.
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${Paths.realtime}?ticket=${encodeURIComponent(ticket)}`, { headers: { 'x-forwarded-for': addr(i + 1), origin: SITE.origin } });
      const c: Client = { ws, got: [] };
      clients.push(c);
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (data) => {
          const m = parseServerMessage(data.toString());
          if (m) c.got.push(m);
          if (m?.type === 'hello') resolve();
        });
        ws.on('error', reject);
        ws.on('close', () => reject(new Error('closed before hello')));
      });
      return c;
    });

    // The server answers while it takes the burst.
    const health: number[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        health.push((await fetch(`${url}/api/health`)).status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // All at once.
    for (const c of opened) c.ws.send(JSON.stringify(startMessage({ channel: 'chat' as never })));
    const outcome = (c: Client) => c.got.find((m) => m.type === 'error' || m.type === 'conversation.queued');
    const until = Date.now() + 240_000;
    while (opened.some((c) => !outcome(c)) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    // Places settle: a request that came in the same millisecond may have been placed ahead of one
    // told earlier, whose update follows within a second. Wait until nobody is told anything new.
    const told = () => opened.reduce((n, c) => n + c.got.length, 0);
    for (let last = -1; told() !== last && Date.now() < until; ) {
      last = told();
      await new Promise((r) => setTimeout(r, 2_500));
    }
    probing = false;
    await probe;

    const queued = opened.filter((c) => outcome(c)?.type === 'conversation.queued');
    const refused = opened.map(outcome).filter((m): m is Extract<ServerMessage, { type: 'error' }> => m?.type === 'error');
    expect(queued.length + refused.length).toBe(SHOPPERS);
    expect(queued.length).toBe(QUEUE_MAX);
    for (const e of refused) {
      expect(e.code).toBe(ErrorCode.QueueFull);
      expect(e.message).toMatch(/queue is full/i);
    }
    // Places: everyone asks for the same thing, so 1…n, each exactly once (the last told to each).
    const places = queued.map((c) => c.got.filter((m) => m.type === 'conversation.queued').at(-1)).map((m) => (m as Extract<ServerMessage, { type: 'conversation.queued' }>).position);
    expect([...places].sort((a, b) => a - b)).toEqual(Array.from({ length: QUEUE_MAX }, (_, i) => i + 1));
    expect(health.length).toBeGreaterThan(0);
    expect(health.every((s) => s === 200)).toBe(true);
    // Nothing else went wrong on any socket.
    for (const c of opened) expect(c.got.filter((m) => m.type === 'error' && m.code !== ErrorCode.QueueFull)).toEqual([]);
  }, 600_000);
});
