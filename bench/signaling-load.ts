/**
 * The client-side load of `npm run bench:signaling` (driver: bench/signaling.ts), all over `ws`:
 * relay frames, PeerJS sockets, relay pairs (stock: arbitrary ids; counterpart: through the real
 * product flow), held peers, and the throughput, latency and cap-probe measurements.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { frame } from './signaling-frames';
import { MediaKind, MediaPath, Paths } from '../protocol/index';
import { BUCKET, BURST, LATENCY_RATE, LATENCY_SECONDS, PAIRS, WINDOW, WINDOW_PAIRS, errText, log, sleep, type Ready, type Role } from './signaling-server';

// ---------------------------------------------------------------- peer sockets

const RELAYED = new Set(['OFFER', 'ANSWER', 'CANDIDATE']);

export class PeerConn {
  received = 0;
  onRelay: ((n: number) => void) | null = null;
  constructor(
    readonly id: string,
    readonly ws: WebSocket,
  ) {
    ws.on('message', (data: WebSocket.RawData) => {
      const s = data.toString();
      // Cheap check first: the relay phases are what is timed.
      const t = s.slice(9, 18);
      if (!(t.startsWith('OFFER') || t.startsWith('ANSWER') || t.startsWith('CANDIDATE'))) {
        const m = JSON.parse(s) as { type?: string; payload?: { connectionId?: string } };
        if (!RELAYED.has(m.type ?? '')) return;
      }
      this.received++;
      if (this.onRelay) {
        const m = /"connectionId":"mc_(\d+)"/.exec(s);
        if (m) this.onRelay(Number(m[1]));
      }
    });
  }
  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 3000);
      this.ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.ws.close();
    });
  }
}

/**
 * Where each server's PeerJS socket is: stock `peer` mounted at '/' answers `/peerjs`; ours is
 * mounted at Paths.peer ('/peerjs'), so a PeerJS client with that path opens `/peerjs/peerjs`.
 */
const socketPath: Record<Role, string> = { stock: '/peerjs', counterpart: Paths.peerSocket };
let side: Role = 'stock';
export const setSide = (role: Role) => {
  side = role;
};

/** Connects one PeerJS socket; resolves on the server's OPEN. */
function connectPeer(port: number, id: string, token: string, timeoutMs = 15_000): Promise<PeerConn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${socketPath[side]}?key=peerjs&id=${encodeURIComponent(id)}&token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('connect timed out'));
    }, timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(why));
    };
    ws.on('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode}`));
    ws.on('error', (err) => fail(errText(err)));
    ws.once('close', (code) => fail(`closed ${code}`));
    ws.once('message', (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as { type?: string; payload?: { msg?: string } };
      if (m.type !== 'OPEN') return fail(`${m.type}: ${m.payload?.msg ?? ''}`);
      clearTimeout(timer);
      ws.removeAllListeners('close');
      ws.removeAllListeners('error');
      ws.on('error', () => {});
      resolve(new PeerConn(id, ws));
    });
  });
}

// ---------------------------------------------------------------- pairs

export type Pair = { a: PeerConn; b: PeerConn };
export type PairSetup = { pairs: Pair[]; cleanup: () => Promise<void>; ms: number; failures: string[] };

export async function stockPairs(port: number): Promise<PairSetup> {
  const t = performance.now();
  const pairs: Pair[] = [];
  const failures: string[] = [];
  for (let i = 0; i < PAIRS; i++) {
    try {
      pairs.push({ a: await connectPeer(port, `a-pair-${i}`, 'tok-a'), b: await connectPeer(port, `s-pair-${i}`, 'tok-b') });
    } catch (err) {
      failures.push(errText(err));
    }
  }
  return { pairs, ms: performance.now() - t, failures, cleanup: async () => {} };
}

const jwtClaims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** A JSON POST from a chosen loopback address (each pair is its own client address, as real shoppers are). */
function postJson(url: string, body: unknown, localAddress: string, headers: Record<string, string> = {}): Promise<unknown> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`${new URL(url).pathname}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
        else resolve(JSON.parse(text) as unknown);
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** Pair i's agent and shopper come from 127.0.x.y (all loopback on Linux), as real clients each have their own address. */
const pairAddress = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`;

/**
 * P pairs through the real product flow: every agent signs in, opens its console's realtime channel,
 * goes available and accepts the first offer it gets; shoppers (W at a time) start video
 * conversations, which the server routes to whichever agent is free; once a conversation is active,
 * both sides take PeerJS credentials, `media.join` and connect their peers, and report the media
 * flowing. The per-address budgets and socket limits apply as to real clients.
 */
export async function counterpartPairs(port: number, agents: Ready['agents']): Promise<PairSetup> {
  const { openRealtime } = await import('../tests/helpers/sockets');
  const { setPresence, joinMedia } = await import('../tests/helpers/agents');
  const { startConversation, startMessage } = await import('../tests/helpers/conversations');
  const { ConversationState, LoginResponse, Presence, Role, ShopperSessionResponse } = await import('../protocol/index');
  type RT = Awaited<ReturnType<typeof openRealtime>>;
  const url = `http://127.0.0.1:${port}`;
  const stack = { url };
  const realtime: RT[] = [];
  const pairs: Pair[] = [];
  const failures: string[] = [];
  const long = { timeoutMs: 10 * 60_000 };
  const t = performance.now();
  const consoles = new Map<string, { token: string; rt: RT }>();
  // Sign-in hashing runs one at a time on the server (4 queued per network): 4 in flight keep it busy.
  await pool(agents, 4, async (user, i) => {
    try {
      const l = LoginResponse.parse(await postJson(`${url}/api/auth/login`, user, pairAddress(i)));
      const rt = await openRealtime(url, l.token);
      realtime.push(rt);
      await rt.next('agent.self');
      await setPresence({ rt }, Presence.Available);
      consoles.set(String(l.user.id), { token: l.token, rt });
      // The console takes the first offer it is given.
      rt.next('offer', long).then(
        (o) => rt.send({ type: 'offer.accept', conversationId: o.conversationId }),
        () => {},
      );
    } catch (err) {
      failures.push(`agent: ${errText(err)}`);
    }
    if ((i + 1) % 250 === 0) log(`counterpart: ${i + 1}/${agents.length} agents signed in`);
  });
  let made = 0;
  await pool(agents, WINDOW_PAIRS, async (_, i) => {
    if (failures.length > 20) return;
    const from = pairAddress(i);
    try {
      const session = ShopperSessionResponse.parse(await postJson(`${url}/api/shopper/session`, { siteKey: 'demo-shop' }, from, { origin: 'http://shop.test' }));
      const srt = await openRealtime(url, session.token);
      realtime.push(srt);
      const sync = await startConversation(srt, startMessage({ channel: MediaKind.Video }));
      const conversationId = sync.conversation.id;
      const active = await srt.next('conversation.update', {
        ...long,
        where: (m) => m.conversation.id === conversationId && m.conversation.state === ConversationState.Active && m.conversation.media !== null,
      });
      const agentId = active.conversation.participants.find((p) => p.party.role === Role.Agent && p.leftAt === null)?.party.id;
      const agent = agentId === undefined ? undefined : consoles.get(agentId);
      if (!agent) throw new Error(`conversation ${conversationId} active with no bench agent`);
      const [s, a] = await Promise.all([joinMedia(stack, { token: session.token, rt: srt }, conversationId), joinMedia(stack, agent, conversationId)]);
      const pair = { a: await connectPeer(port, a.creds.peerId, a.creds.peerToken), b: await connectPeer(port, s.creds.peerId, s.creds.peerToken) };
      // What the clients say once ICE connected: the media session is connected (no connect timeout).
      srt.send({ type: 'media.path', conversationId, path: MediaPath.Flowing });
      agent.rt.send({ type: 'media.path', conversationId, path: MediaPath.Flowing });
      pairs.push(pair);
    } catch (err) {
      failures.push(errText(err));
    }
    if (++made % 250 === 0) log(`counterpart: ${made}/${agents.length} pairs`);
  });
  return {
    pairs,
    ms: performance.now() - t,
    failures,
    cleanup: async () => {
      for (const r of realtime) r.ws.terminate();
    },
  };
}

/** Staff credentials for K held peers: the demo agent alice signs in (a real, live session). */
export async function aliceSession(port: number): Promise<{ owner: string; sid: string }> {
  const { DEMO, login } = await import('../tests/helpers/server');
  const a = await login(`http://127.0.0.1:${port}`, DEMO.alice);
  const claims = jwtClaims(a.token);
  return { owner: `agent:${String(claims.sub)}`, sid: String(claims.sid) };
}

export async function holdPeers(port: number, creds: { id: string; token: string }[], window = WINDOW): Promise<{ conns: PeerConn[]; ms: number; failures: Record<string, number> }> {
  const conns: PeerConn[] = [];
  const failures: Record<string, number> = {};
  const t = performance.now();
  await pool(creds, window, async (c) => {
    try {
      conns.push(await connectPeer(port, c.id, c.token));
    } catch (err) {
      const k = errText(err);
      failures[k] = (failures[k] ?? 0) + 1;
    }
  });
  return { conns, ms: performance.now() - t, failures };
}

function sockets(pairs: Pair[]): { from: PeerConn; to: PeerConn }[] {
  return pairs.flatMap((p) => [
    { from: p.a, to: p.b },
    { from: p.b, to: p.a },
  ]);
}

/** Every socket sends BURST frames to its partner at once; delivered / time to the last arrival. */
export async function throughputRound(pairs: Pair[]): Promise<{ sent: number; delivered: number; ms: number }> {
  const links = sockets(pairs);
  const before = links.reduce((s, l) => s + l.to.received, 0);
  const sent = links.length * BURST;
  // Built before the clock starts: the figure is the server's, not the client's JSON.stringify.
  const built = links.map((l) => Array.from({ length: 10 }, (_, k) => frame(l.to.id, k)));
  const t = performance.now();
  let last = t;
  for (const l of links) l.to.onRelay = () => (last = performance.now());
  for (let k = 0; k < BURST; k++) for (let j = 0; j < links.length; j++) links[j]!.from.ws.send(built[j]![k % 10]!);
  const deadline = Date.now() + 20_000;
  let delivered = 0;
  let stable = 0;
  while (Date.now() < deadline) {
    await sleep(20);
    const now = links.reduce((s, l) => s + l.to.received, 0) - before;
    if (now >= sent) {
      delivered = now;
      break;
    }
    stable = now === delivered ? stable + 1 : 0;
    delivered = now;
    if (stable > 50) break; // 1 s without progress: what was dropped stays dropped
  }
  for (const l of links) l.to.onRelay = null;
  return { sent, delivered, ms: last - t };
}

/**
 * A fixed offered load: LATENCY_RATE frames/s in all, sent round-robin over the sockets every 5 ms
 * (a steady stream, not a burst per tick) for LATENCY_SECONDS; each arrival's send → receive time.
 * Per socket that is LATENCY_RATE / sockets per second, kept under the per-socket bucket.
 */
export async function latencyPhase(pairs: Pair[], seq: { n: number }): Promise<{ offeredPerSec: number; perSocketPerSec: number; sent: number; delivered: number; samples: number[] }> {
  const links = sockets(pairs);
  const perSocketPerSec = Math.min(BUCKET.refillPerSec * 0.9, LATENCY_RATE / links.length);
  const offeredPerSec = perSocketPerSec * links.length;
  const sentAt = new Map<number, number>();
  const samples: number[] = [];
  for (const l of links)
    l.to.onRelay = (n) => {
      const t0 = sentAt.get(n);
      if (t0 !== undefined) {
        samples.push(performance.now() - t0);
        sentAt.delete(n);
      }
    };
  const tickMs = 5;
  const ticks = Math.round((LATENCY_SECONDS * 1000) / tickMs);
  let owed = 0;
  let sent = 0;
  let at = 0;
  const t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    owed += (offeredPerSec * tickMs) / 1000;
    for (; owed >= 1; owed -= 1) {
      const l = links[at++ % links.length]!;
      const n = seq.n++;
      sentAt.set(n, performance.now());
      l.from.ws.send(frame(l.to.id, n));
      sent++;
    }
    const wait = t0 + (i + 1) * tickMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await sleep(1000);
  for (const l of links) l.to.onRelay = null;
  return { offeredPerSec, perSocketPerSec, sent, delivered: samples.length, samples };
}

export async function capProbe(pair: Pair, seq: { n: number }): Promise<{ sent: number; delivered: number }> {
  const before = pair.b.received;
  for (let i = 0; i < 300; i++) pair.a.ws.send(frame(pair.b.id, seq.n++ * 10 + 2));
  await sleep(1500);
  return { sent: 300, delivered: pair.b.received - before };
}
