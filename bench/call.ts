/**
 * `npm run bench:call`: accept → both faces. Three kinds of call, interleaved in one run on the
 * same machine, Chromium and flags:
 *   counterpart  the product with pre-connect while ringing (bench/call-product.ts)
 *   relay        the same, every call through coturn (ICE_TRANSPORT_POLICY=relay)
 *   bare         a cold bare PeerJS call against a stock `peer` PeerServer (bench/call-bare.ts)
 * Metric: from Accept (or `peer.call()`) to the later of the two sides' remote video playing.
 * Prints a table and the timeline of a median call of each kind, then, as the last stdout line,
 * `{"bench":"call","counterpart":{p50,p95},"relay":{…},"bare":{…},"ratio":{p50,p95}}` (ratio:
 * counterpart ÷ bare). A benchmark never asserts: failures are counted and printed, exit code 0.
 *
 * Env: BENCH_CALLS (10) measured calls per kind, BENCH_WARMUP (1) unmeasured calls per kind first,
 * BENCH_THINK_MS (1500) how long the agent looks at the ring card before accepting (the bare
 * baseline waits as long after its pre-warm), BENCH_DEBUG (unset) prints each product call's
 * video getStats (frame size, key frames, start bitrate applied). Needs root in a network namespace
 * (scripts/in-netns.sh) so WebRTC stays on loopback.
 */
import { BareRunner } from './call-bare';
import { ProductRunner } from './call-product';
import { errText, medianTimeline, newSide, ratio, stats, type CallResult, type Side, type Stats } from './call-stats';

const intEnv = (name: string, dflt: number, min: number, max: number): number => {
  const n = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
};
const CALLS = intEnv('BENCH_CALLS', 10, 1, 200);
const WARMUP = intEnv('BENCH_WARMUP', 1, 0, 10);
const THINK_MS = intEnv('BENCH_THINK_MS', 1500, 0, 10_000);
/** Past this the bench prints what it has and exits. */
const DEADLINE_MS = intEnv('BENCH_DEADLINE_MS', 300_000 + Math.max(0, CALLS - 10) * 25_000, 10_000, 3_600_000);

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);

type Kind = 'counterpart' | 'relay' | 'bare';
const NAMES: Record<Kind, string> = { counterpart: 'Counterpart (warm)', relay: 'Counterpart via TURN (warm)', bare: 'bare PeerJS (cold)' };
const sides: Record<Kind, Side> = { counterpart: newSide(), relay: newSide(), bare: newSide() };
const notes: string[] = [];

function report(): void {
  const st = { counterpart: stats(sides.counterpart), relay: stats(sides.relay), bare: stats(sides.bare) } as Record<Kind, Stats>;
  const ratios = { p50: ratio(st.counterpart, st.bare, 'p50'), p95: ratio(st.counterpart, st.bare, 'p95') };
  const relayRatios = { p50: ratio(st.relay, st.bare, 'p50'), p95: ratio(st.relay, st.bare, 'p95') };
  const cell = (s: Stats, k: 'p50' | 'p95' | 'min' | 'max' | 'mean') => ('p50' in s ? s[k].toFixed(1) : '—').padStart(9);
  const x = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}×`).padStart(9);
  const lines = [
    '',
    `accept → both remote videos playing, ms — ${CALLS} calls per kind (interleaved), ${WARMUP} warm-up, think ${THINK_MS} ms`,
    `${'kind'.padEnd(30)}${'n'.padStart(4)}${'failed'.padStart(7)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}${'mean'.padStart(9)}`,
    ...(Object.keys(NAMES) as Kind[]).map((k) => `${NAMES[k].padEnd(30)}${String(st[k].n).padStart(4)}${String(st[k].failed).padStart(7)}${cell(st[k], 'p50')}${cell(st[k], 'p95')}${cell(st[k], 'min')}${cell(st[k], 'max')}${cell(st[k], 'mean')}`),
    `${'ratio Counterpart / bare'.padEnd(41)}${x(ratios.p50)}${x(ratios.p95)}`,
    `${'ratio via TURN / bare'.padEnd(41)}${x(relayRatios.p50)}${x(relayRatios.p95)}`,
  ];
  for (const k of Object.keys(NAMES) as Kind[]) {
    for (const f of new Set(sides[k].failures)) lines.push(`  ${NAMES[k]} failure: ${f}`);
    const tl = medianTimeline(sides[k]);
    if (!tl) continue;
    lines.push('', `timeline of a median call, ${NAMES[k]} (ms after the start):`);
    for (const [what, ms] of tl) lines.push(`  ${(Number.isNaN(ms) ? '—' : ms.toFixed(1)).padStart(8)}  ${what}`);
  }
  for (const n of notes) lines.push(`  note: ${n}`);
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
  const pick = (s: Stats) => ('p50' in s ? { p50: s.p50, p95: s.p95, n: s.n, failed: s.failed } : { p50: null, p95: null, n: 0, failed: s.failed });
  const json = {
    bench: 'call',
    counterpart: pick(st.counterpart),
    relay: pick(st.relay),
    bare: pick(st.bare),
    ratio: ratios,
    relayRatio: relayRatios,
    metric: 'accept (bare: peer.call()) → later of both sides remote video playing, ms',
    calls: CALLS,
    warmup: WARMUP,
    thinkMs: THINK_MS,
    samples: Object.fromEntries((Object.keys(NAMES) as Kind[]).map((k) => [k, sides[k].samples.map((v) => Math.round(v * 10) / 10)])),
    notes,
    at: new Date().toISOString(),
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

let reported = false;
const finish = () => {
  if (reported) return;
  reported = true;
  report();
  // `peer` never clears its timers.
  process.exit(0);
};
setTimeout(() => {
  notes.push(`deadline of ${DEADLINE_MS} ms reached; partial figures`);
  finish();
}, DEADLINE_MS + 20_000).unref();

const runners: Partial<Record<Kind, { call(i: number): Promise<CallResult>; close(): Promise<void> }>> = {};
async function setUp(kind: Kind): Promise<void> {
  try {
    if (kind === 'bare') {
      const r = await BareRunner.start();
      runners.bare = { call: (i) => r.call(i, THINK_MS), close: () => r.close() };
    } else {
      const r = await ProductRunner.start({ relay: kind === 'relay' });
      runners[kind] = { call: () => r.call(THINK_MS), close: () => r.close() };
    }
  } catch (err) {
    notes.push(`${NAMES[kind]} could not start: ${errText(err)}`);
    log(notes.at(-1)!);
  }
}

try {
  for (const k of Object.keys(NAMES) as Kind[]) await setUp(k);
  log(`${WARMUP} warm-up + ${CALLS} calls of each kind, interleaved`);
  for (let i = 0; i < WARMUP + CALLS && Date.now() - started < DEADLINE_MS; i++) {
    const measured = i >= WARMUP;
    for (const k of Object.keys(NAMES) as Kind[]) {
      const runner = runners[k];
      if (!runner) continue;
      const label = `${k} ${measured ? `#${i - WARMUP + 1}` : 'warm-up'}`;
      try {
        const r = await runner.call(i);
        if (measured) {
          sides[k].samples.push(r.ms);
          sides[k].timelines.push(r.timeline);
        }
        log(`${label}: ${r.ms.toFixed(1)} ms`);
      } catch (err) {
        if (measured) sides[k].failures.push(errText(err));
        log(`${label} failed: ${errText(err)}`);
      }
    }
  }
} finally {
  await Promise.all(Object.values(runners).map((r) => r.close().catch(() => {})));
}
finish();
