/**
 * The client-side load of `npm run bench:signaling` (driver: bench/signaling.ts), all over `ws`:
 * relay frames, PeerJS sockets, relay pairs (stock: arbitrary ids; counterpart: through the real
 * product flow), held peers, and the throughput, latency and cap-probe measurements.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { MediaKind, MediaPath, Paths } from '../protocol/index';
import { BURST, LATENCY_SECONDS, PAIRS, RATE, WINDOW, errText, log, sleep, type Ready, type Role } from './signaling-server';

// ---------------------------------------------------------------- frames

const SDP = (kind: 'offer' | 'answer') =>
  [
    'v=0',
    `o=- 46117314${kind === 'offer' ? '1' : '2'}2811223344 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS 4f1c2a7e-9b7d-4c1e-8a55-2d9e1b0c6f33',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:Qx7b',
    'a=ice-pwd:3lQmXw1b6m8dQh0o2p9R4sT7',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 5B:4D:1E:77:0C:9A:3F:62:8E:21:B4:D0:6A:11:C3:58:92:FE:07:4B:AD:36:E9:18:7C:50:2F:83:C6:9D:E4:01',
    `a=setup:${kind === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=sendrecv',
    'a=msid:4f1c2a7e-9b7d-4c1e-8a55-2d9e1b0c6f33 7d2c1b0a-1111-4a4a-9c9c-0e0e0e0e0e0e',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=ssrc:1001 cname:k3JbQ9mT2pX8vR4a',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:Qx7b',
    'a=ice-pwd:3lQmXw1b6m8dQh0o2p9R4sT7',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 5B:4D:1E:77:0C:9A:3F:62:8E:21:B4:D0:6A:11:C3:58:92:FE:07:4B:AD:36:E9:18:7C:50:2F:83:C6:9D:E4:01',
    `a=setup:${kind === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:1',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtcp-rsize',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 goog-remb',
    'a=rtcp-fb:96 transport-cc',
    'a=rtcp-fb:96 ccm fir',
    'a=rtcp-fb:96 nack',
    'a=rtcp-fb:96 nack pli',
    'a=rtpmap:97 rtx/90000',
    'a=fmtp:97 apt=96',
    'a=rtpmap:102 H264/90000',
    'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
    'a=ssrc-group:FID 2002 2003',
    'a=ssrc:2002 cname:k3JbQ9mT2pX8vR4a',
    'a=ssrc:2003 cname:k3JbQ9mT2pX8vR4a',
    '',
  ].join('\r\n');
const SDP_OFFER = SDP('offer');
const SDP_ANSWER = SDP('answer');

/** The n-th frame of a socket's stream: per 10, one OFFER, one ANSWER and eight CANDIDATEs. */
function frame(dst: string, n: number): string {
  const connectionId = `mc_${n}`;
  const k = n % 10;
  if (k === 0) return JSON.stringify({ type: 'OFFER', dst, payload: { sdp: { type: 'offer', sdp: SDP_OFFER }, type: 'media', connectionId, browser: 'chrome' } });
  if (k === 1) return JSON.stringify({ type: 'ANSWER', dst, payload: { sdp: { type: 'answer', sdp: SDP_ANSWER }, type: 'media', connectionId, browser: 'chrome' } });
  return JSON.stringify({
    type: 'CANDIDATE',
    dst,
    payload: { candidate: { candidate: 'candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 }, type: 'media', connectionId },
  });
}

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
export type PairSetup = { pairs: Pair[]; cleanup: () => Promise<void>; ms: number; failures: string[]; alice: { owner: string; sid: string } | null };

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
  return { pairs, ms: performance.now() - t, failures, alice: null, cleanup: async () => {} };
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

export async function counterpartPairs(port: number, agents: Ready['agents']): Promise<PairSetup> {
  const { DEMO, login } = await import('../tests/helpers/server');
  const { openRealtime } = await import('../tests/helpers/sockets');
  const { setPresence, acceptOffer, joinMedia } = await import('../tests/helpers/agents');
  const { startConversation, startMessage } = await import('../tests/helpers/conversations');
  const { LoginResponse, Presence, ShopperSessionResponse } = await import('../protocol/index');
  type RT = Awaited<ReturnType<typeof openRealtime>>;
  const url = `http://127.0.0.1:${port}`;
  const stack = { url };
  const realtime: RT[] = [];
  const pairs: Pair[] = [];
  const failures: string[] = [];
  const t = performance.now();
  for (let i = 0; i < agents.length; i++) {
    // Pair i's agent and shopper come from 127.0.x.y (all loopback on Linux): the per-address
    // budgets and the 60-shoppers-per-network socket limit apply as they would to real clients.
    const from = `127.0.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`;
    try {
      const l = LoginResponse.parse(await postJson(`${url}/api/auth/login`, agents[i], from));
      const art = await openRealtime(url, l.token);
      realtime.push(art);
      await art.next('agent.self');
      const agent = { token: l.token, rt: art };
      await setPresence(agent, Presence.Available);
      const session = ShopperSessionResponse.parse(await postJson(`${url}/api/shopper/session`, { siteKey: 'demo-shop' }, from, { origin: 'http://shop.test' }));
      const srt = await openRealtime(url, session.token);
      realtime.push(srt);
      const sync = await startConversation(srt, startMessage({ channel: MediaKind.Video }));
      const conversationId = sync.conversation.id;
      await acceptOffer(agent, conversationId);
      await srt.next('conversation.update', { where: (m) => m.conversation.id === conversationId && m.conversation.media !== null });
      const s = await joinMedia(stack, { token: session.token, rt: srt }, conversationId);
      const a = await joinMedia(stack, { token: agent.token, rt: agent.rt }, conversationId);
      const pair = { a: await connectPeer(port, a.creds.peerId, a.creds.peerToken), b: await connectPeer(port, s.creds.peerId, s.creds.peerToken) };
      // What the clients say once ICE connected: the media session is connected (no connect timeout).
      srt.send({ type: 'media.path', conversationId, path: MediaPath.Flowing });
      agent.rt.send({ type: 'media.path', conversationId, path: MediaPath.Flowing });
      pairs.push(pair);
    } catch (err) {
      failures.push(errText(err));
      if (failures.length > 5) break;
    }
    if ((i + 1) % 25 === 0) log(`counterpart: ${i + 1}/${agents.length} pairs`);
  }
  const ms = performance.now() - t;
  const a = await login(url, DEMO.alice);
  const claims = jwtClaims(a.token);
  return {
    pairs,
    ms,
    failures,
    alice: { owner: `agent:${String(claims.sub)}`, sid: String(claims.sid) },
    cleanup: async () => {
      for (const r of realtime) r.ws.terminate();
    },
  };
}


export async function holdPeers(port: number, creds: { id: string; token: string }[]): Promise<{ conns: PeerConn[]; ms: number; failures: Record<string, number> }> {
  const conns: PeerConn[] = [];
  const failures: Record<string, number> = {};
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(WINDOW, creds.length) }, async () => {
      while (next < creds.length) {
        const c = creds[next++]!;
        try {
          conns.push(await connectPeer(port, c.id, c.token));
        } catch (err) {
          const k = errText(err);
          failures[k] = (failures[k] ?? 0) + 1;
        }
      }
    }),
  );
  return { conns, ms: performance.now() - t, failures };
}

function sockets(pairs: Pair[]): { from: PeerConn; to: PeerConn }[] {
  return pairs.flatMap((p) => [
    { from: p.a, to: p.b },
    { from: p.b, to: p.a },
  ]);
}

/** Every socket sends BURST frames to its partner at once; delivered / time to the last arrival. */
export async function throughputRound(pairs: Pair[], seq: { n: number }): Promise<{ sent: number; delivered: number; ms: number }> {
  const links = sockets(pairs);
  const before = links.reduce((s, l) => s + l.to.received, 0);
  const sent = links.length * BURST;
  const t = performance.now();
  let last = t;
  for (const l of links) l.to.onRelay = () => (last = performance.now());
  for (let k = 0; k < BURST; k++) for (const l of links) l.from.ws.send(frame(l.to.id, seq.n++));
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

/** Every socket sends RATE frames/s for LATENCY_SECONDS; each arrival's latency. */
export async function latencyPhase(pairs: Pair[], seq: { n: number }): Promise<{ offeredPerSec: number; sent: number; delivered: number; samples: number[] }> {
  const links = sockets(pairs);
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
  const tickMs = 50;
  const perTick = (RATE * tickMs) / 1000; // frames per socket per tick (may be fractional)
  const ticks = Math.round((LATENCY_SECONDS * 1000) / tickMs);
  let owed = 0;
  let sent = 0;
  const t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    owed += perTick;
    // Spread each tick's sends over the sockets, sent at their own moment.
    while (owed >= 1) {
      owed -= 1;
      for (const l of links) {
        const n = seq.n++;
        sentAt.set(n, performance.now());
        l.from.ws.send(frame(l.to.id, n));
        sent++;
      }
    }
    const wait = t0 + (i + 1) * tickMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await sleep(1000);
  for (const l of links) l.to.onRelay = null;
  return { offeredPerSec: links.length * RATE, sent, delivered: samples.length, samples };
}

export async function capProbe(pair: Pair, seq: { n: number }): Promise<{ sent: number; delivered: number }> {
  const before = pair.b.received;
  for (let i = 0; i < 300; i++) pair.a.ws.send(frame(pair.b.id, seq.n++ * 10 + 2));
  await sleep(1500);
  return { sent: 300, delivered: pair.b.received - before };
}
