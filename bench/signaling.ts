/**
 * `npm run bench:signaling`: the PeerJS signaling server, ours (every guard on) next to a stock
 * `peer` PeerServer measured in the same run with the same load. Each server runs alone in a child
 * process (`node --expose-gc --import tsx` bench/signaling-server.ts, BENCH_SIGNALING_ROLE set) with
 * the shell's descriptor limit, so its memory is its own (VmRSS from /proc/PID/status, after a gc in
 * the child); the clients (`ws`, from bench/signaling-load.ts) run here, the held peers in holder
 * processes (bench/signaling-holders.ts): one client process has no more descriptors than a server.
 *
 * Per side, in order:
 * 1. Held peers: baseline RSS (gc), then K peers connected (W at a time), K past the server's
 *    descriptor limit by default: peers held (what the limit allows), connects/s, RSS again (gc) →
 *    RSS per 1,000 peers. Counterpart: staff peers of the demo agent alice (a real, live sign-in
 *    session), tokens minted with the server's TokenService for ids from `mintPeerId` — exactly what
 *    the credentials route issues, without its 10/min per-owner budget. Then they are closed.
 * 2. P relay pairs. Counterpart: made through the real product flow — P agents sign in (POST
 *    /api/auth/login), open the realtime channel, go available and accept what they are offered;
 *    P shopper sessions start video conversations (16 at a time); both sides get PeerJS credentials
 *    from POST /api/rtc/credentials, `media.join`, connect their peers and report `media.path:
 *    flowing`. Nothing is bypassed: a pair may relay because the conversation domain says so.
 *    Stock: 2P peers with arbitrary ids.
 * 3. Relay throughput at saturation: every pair socket sends a burst of B frames (OFFER/ANSWER/
 *    CANDIDATE, 1:1:8, a real browser's SDP) to its partner as fast as it can; delivered frames /
 *    time to the last one. B stays under our per-socket bucket (200 burst, 50/s): the figure is the
 *    server's throughput across many sockets, not one socket's cap. Rounds 3.5 s apart on both sides.
 * 4. Relay latency at a fixed offered rate (20,000 frames/s in all, round-robin over the sockets):
 *    p50/p99 of send → receive.
 * 5. Cap probe: one socket sends 300 CANDIDATEs at once; how many arrive (ours: ~200 by design).
 *
 * Prints a table and, as the last stdout line, one JSON object. Never asserts; exits 0.
 *
 * Env: BENCH_SERVER_NOFILE (the shell's limit) the servers' descriptor limit, BENCH_PEERS (that
 * + 200) held peers tried K, BENCH_PAIRS (1000) relay pairs P, BENCH_BURST (150) frames per socket
 * per throughput round, BENCH_ROUNDS (3), BENCH_LATENCY_RATE (20000) frames/s offered in all,
 * BENCH_LATENCY_SECONDS (5), BENCH_CONNECT_WINDOW (64) connects in flight, BENCH_PAIR_WINDOW (16),
 * BENCH_CPU_PROF (unset) a directory for each server's CPU profile of the relay phases.
 */
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { holdPeersSpread } from './signaling-holders';
import { aliceSession, capProbe, counterpartPairs, latencyPhase, setSide, stockPairs, throughputRound, type PairSetup } from './signaling-load';
import { BUCKET, BURST, LATENCY_RATE, LATENCY_SECONDS, PAIRS, PEERS, ROUNDS, SERVER_NOFILE, WINDOW, WINDOW_PAIRS, errText, log, settledRss, sleep, startChild, type Role } from './signaling-server';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

type SideResult = {
  pairs: number;
  pairSetupMs: number;
  pairFailures: string[];
  peersHeld: number;
  peersTried: number;
  connectFailures: Record<string, number>;
  connectsPerSec: number;
  rssBaseKb: number;
  rssHeldKb: number;
  rssPer1000PeersKb: number;
  gc: boolean;
  throughput: { msgsPerSec: number; rounds: { sent: number; delivered: number; ms: number }[] };
  latency: { offeredPerSec: number; sent: number; delivered: number; p50: number; p99: number; max: number };
  capProbe: { sent: number; delivered: number };
};

async function runSide(role: Role): Promise<SideResult> {
  log(`${role}: starting server (descriptor limit ${SERVER_NOFILE})`);
  setSide(role);
  const child = await startChild(role);
  const { port } = child.ready;
  let setup: PairSetup | null = null;
  try {
    // 1. Held peers, on an otherwise idle server: how many its descriptors allow, and their memory.
    // Credentials first (untimed): the connect rate is the server's.
    let creds: { id: string; token: string }[];
    if (role === 'counterpart') {
      const { TokenService } = await import('../server/src/auth/tokens');
      const { mintPeerId } = await import('../server/src/conversations/peer-ids');
      const tokens = new TokenService(fs.readFileSync(path.join(child.ready.dataDir!, 'jwt-secret'), 'utf8').trim());
      const { owner, sid } = await aliceSession(port);
      creds = await Promise.all(
        Array.from({ length: PEERS }, async () => {
          const id = mintPeerId(owner);
          return { id, token: (await tokens.issuePeer({ peerId: id, owner, sessionId: sid }, 600)).token };
        }),
      );
    } else creds = Array.from({ length: PEERS }, (_, i) => ({ id: `held-${i}-${Math.random().toString(36).slice(2)}`, token: 'tok' }));
    const base = await settledRss(child);
    const held = await holdPeersSpread(port, role, creds);
    const heldRss = await settledRss(child);
    log(`${role}: ${held.held}/${PEERS} peers in ${(held.ms / 1000).toFixed(2)} s, RSS ${base.kb} → ${heldRss.kb} kB${Object.keys(held.failures).length ? `, refused: ${JSON.stringify(held.failures)}` : ''}`);
    await held.close();
    await sleep(1000);

    // 2. Relay pairs.
    setup = role === 'stock' ? await stockPairs(port) : await counterpartPairs(port, child.ready.agents);
    log(`${role}: ${setup.pairs.length} pairs in ${(setup.ms / 1000).toFixed(1)} s${setup.failures.length ? `, failures: ${setup.failures.slice(0, 5).join('; ')}` : ''}`);
    const pairs = setup.pairs;
    const heartbeat = setInterval(() => {
      for (const p of pairs) for (const c of [p.a, p.b]) if (c.ws.readyState === WebSocket.OPEN) c.ws.send('{"type":"HEARTBEAT"}');
    }, 20_000);
    try {
      // BENCH_CPU_PROF=dir: a V8 CPU profile of the server over phases 3 and 4 (where its time goes).
      if (process.env.BENCH_CPU_PROF) await child.ask('profile-start', 'profiling');
      // 3. Throughput at saturation.
      const rounds: { sent: number; delivered: number; ms: number }[] = [];
      await sleep(1000 * (BUCKET.capacity / BUCKET.refillPerSec)); // buckets full (pair setup spent a few tokens)
      for (let r = 0; r < ROUNDS; r++) {
        rounds.push(await throughputRound(pairs));
        log(`${role}: throughput round ${r + 1}: ${rounds[r]!.delivered}/${rounds[r]!.sent} in ${rounds[r]!.ms.toFixed(0)} ms`);
        await sleep(3500);
      }
      const delivered = rounds.reduce((s, r) => s + r.delivered, 0);
      const ms = rounds.reduce((s, r) => s + r.ms, 0);
      // 4. Latency at a fixed offered rate.
      const seq = { n: 0 };
      const lat = await latencyPhase(pairs, seq);
      log(`${role}: latency ${lat.delivered}/${lat.sent} delivered at ${lat.offeredPerSec.toFixed(0)}/s offered`);
      if (process.env.BENCH_CPU_PROF) log(`${role}: CPU profile ${String((await child.ask('profile-stop', 'profiled')).file)}`);
      await sleep(1000 * (BUCKET.capacity / BUCKET.refillPerSec));
      // 5. One socket past its bucket.
      const cap = pairs[0] ? await capProbe(pairs[0], seq) : { sent: 0, delivered: 0 };
      return {
        pairs: pairs.length,
        pairSetupMs: Math.round(setup.ms),
        pairFailures: setup.failures.slice(0, 20),
        peersHeld: held.held,
        peersTried: PEERS,
        connectFailures: held.failures,
        connectsPerSec: held.held / (held.ms / 1000),
        rssBaseKb: base.kb,
        rssHeldKb: heldRss.kb,
        rssPer1000PeersKb: held.held ? ((heldRss.kb - base.kb) / held.held) * 1000 : NaN,
        gc: base.gc,
        throughput: { msgsPerSec: ms > 0 ? delivered / (ms / 1000) : NaN, rounds },
        latency: { offeredPerSec: lat.offeredPerSec, sent: lat.sent, delivered: lat.delivered, p50: pct(lat.samples, 50), p99: pct(lat.samples, 99), max: lat.samples.reduce((m, x) => Math.max(m, x), NaN) },
        capProbe: cap,
      };
    } finally {
      clearInterval(heartbeat);
    }
  } finally {
    await Promise.all((setup?.pairs ?? []).flatMap((p) => [p.a.close(), p.b.close()]));
    await setup?.cleanup();
    await child.ask('stop', 'stopped').catch(() => {});
    if (child.proc.exitCode === null) await new Promise((r) => child.proc.once('exit', r));
  }
}

async function main(): Promise<void> {
  log(`server descriptor limit ${SERVER_NOFILE}; K=${PEERS} held peers tried, P=${PAIRS} pairs, burst ${BURST} × ${ROUNDS} rounds, ${LATENCY_RATE}/s offered for ${LATENCY_SECONDS} s`);
  const sides: Partial<Record<Role, SideResult>> = {};
  const errors: Partial<Record<Role, string>> = {};
  for (const role of ['stock', 'counterpart'] as const) {
    try {
      sides[role] = await runSide(role);
    } catch (err) {
      errors[role] = errText(err);
      log(`${role}: failed: ${errors[role]}`);
    }
  }
  const s = sides.stock;
  const c = sides.counterpart;
  const f = (x: number | undefined, d = 0) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
  const rows: [string, (r: SideResult) => number, number][] = [
    ['relay pairs', (r) => r.pairs, 0],
    ['pair setup (ms)', (r) => r.pairSetupMs, 0],
    ['peers held', (r) => r.peersHeld, 0],
    ['connects / s', (r) => r.connectsPerSec, 0],
    ['RSS base (MB)', (r) => r.rssBaseKb / 1024, 1],
    ['RSS held (MB)', (r) => r.rssHeldKb / 1024, 1],
    ['RSS / 1000 peers (MB)', (r) => r.rssPer1000PeersKb / 1024, 2],
    ['relay throughput (msg/s)', (r) => r.throughput.msgsPerSec, 0],
    ['latency offered (msg/s)', (r) => r.latency.offeredPerSec, 0],
    ['latency p50 (ms)', (r) => r.latency.p50, 2],
    ['latency p99 (ms)', (r) => r.latency.p99, 2],
    ['latency delivered/sent', (r) => r.latency.delivered / r.latency.sent, 3],
    ['cap probe: 300 sent, arrived', (r) => r.capProbe.delivered, 0],
  ];
  console.log(`${'signaling'.padEnd(30)} ${'stock'.padStart(12)} ${'counterpart'.padStart(12)} ${'ratio'.padStart(8)}`);
  for (const [name, get, d] of rows) {
    const a = s ? get(s) : undefined;
    const b = c ? get(c) : undefined;
    const ratio = a !== undefined && b !== undefined && a !== 0 ? b / a : undefined;
    console.log(`${name.padEnd(30)} ${f(a, d).padStart(12)} ${f(b, d).padStart(12)} ${f(ratio, 2).padStart(8)}`);
  }
  console.log(
    `counterpart relay pairs made through the real flow (sign-in, shopper session, video conversation, accept, credentials, media.join), each pair from its own 127.0.x.y; ` +
      `per-socket cap by design: ${BUCKET.capacity} burst, ${BUCKET.refillPerSec}/s (aggregate cap ${BUCKET.refillPerSec} × sockets/s); ` +
      `throughput bursts of ${BURST}/socket stay under it. RSS from /proc VmRSS of each server's own process${s?.gc || c?.gc ? ' after gc' : ''}.`,
  );
  for (const [k, v] of Object.entries(errors)) console.log(`${k}: FAILED: ${v}`);
  const strip = (r: SideResult | undefined) => r && { ...r };
  const ratio = (get: (r: SideResult) => number) => (s && c ? get(c) / get(s) : null);
  const result = {
    bench: 'signaling',
    config: { serverNofile: SERVER_NOFILE, peersTried: PEERS, pairs: PAIRS, burst: BURST, rounds: ROUNDS, latencyRate: LATENCY_RATE, latencySeconds: LATENCY_SECONDS, connectWindow: WINDOW, pairWindow: WINDOW_PAIRS },
    stock: strip(s) ?? { error: errors.stock },
    counterpart: c ? { ...c, pairsVia: 'real flow', perSocketCap: { burst: BUCKET.capacity, perSec: BUCKET.refillPerSec, aggregatePerSec: BUCKET.refillPerSec * 2 * c.pairs } } : { error: errors.counterpart },
    ratio: {
      throughput: ratio((r) => r.throughput.msgsPerSec),
      memoryPerPeer: ratio((r) => r.rssPer1000PeersKb),
      connectRate: ratio((r) => r.connectsPerSec),
      latencyP50: ratio((r) => r.latency.p50),
      latencyP99: ratio((r) => r.latency.p99),
    },
  };
  console.log(JSON.stringify(result));
}

await main().catch((err: unknown) => {
  log(`bench failed: ${errText(err)}`);
  console.log(JSON.stringify({ bench: 'signaling', error: errText(err) }));
});
process.exit(0);
