/**
 * `npm run bench:call`: accept → remote video playing on the agent side, through the real
 * product, next to a bare PeerJS call measured in the same run (same machine, same Chromium and
 * flags, a stock `peer` PeerServer). Prints a table and, as the last stdout line, the figures as
 * JSON. A benchmark never asserts: failures are counted and printed, the exit code is 0.
 *
 * Env: BENCH_CALLS (10) measured calls per side, BENCH_WARMUP (1) unmeasured calls per side
 * first, BENCH_THINK_MS (1500) how long the agent looks at the ring card before accepting (the
 * baseline waits as long after its pre-warm; the product opens camera and peer on accept — pre-connecting
 * while ringing is roadmap issue 7).
 *
 * Needs root in a network namespace (scripts/in-netns.sh) so WebRTC stays on loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import { PeerServer } from 'peer';
import type { Browser, Page } from 'puppeteer-core';
import { AgentSide } from '../tests/e2e/support/agent';
import { launchBrowser } from '../tests/e2e/support/browser';
import { ShopperPage } from '../tests/e2e/support/shopper';
import { startStack, type Stack } from '../tests/e2e/support/stack';
import { sleep } from '../tests/e2e/support/util';

const intEnv = (name: string, dflt: number, min: number, max: number): number => {
  const n = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
};
const CALLS = intEnv('BENCH_CALLS', 10, 1, 200);
const WARMUP = intEnv('BENCH_WARMUP', 1, 0, 10);
const THINK_MS = intEnv('BENCH_THINK_MS', 1500, 0, 10_000);
/** Past this the bench prints what it has and exits (it must stay well under ~3 minutes at N=10). */
const DEADLINE_MS = intEnv('BENCH_DEADLINE_MS', 170_000 + Math.max(0, CALLS - 10) * 8_000, 10_000, 3_600_000);

type Side = { samples: number[]; failures: string[] };
const bare: Side = { samples: [], failures: [] };
const product: Side = { samples: [], failures: [] };
const started = Date.now();
const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

// ---------------------------------------------------------------- bare PeerJS baseline

type BareApi = { prepare(id: string, server: { host: string; port: number }): Promise<void>; place(remoteId: string): Promise<number>; reset(): void };
declare global {
  interface Window {
    bench: BareApi;
  }
}

async function serveBarePage(): Promise<{ url: string; close(): Promise<void> }> {
  const out = await build({
    entryPoints: [path.resolve('bench/bare-peer.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
  });
  const js = out.outputFiles[0]!.text;
  const html = '<!doctype html><meta charset="utf-8"><title>bare</title><body><script src="/bare.js"></script></body>';
  const server = http.createServer((req, res) => {
    if (req.url === '/bare.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function startPeerServer(): Promise<{ host: string; port: number; close(): Promise<void> }> {
  const server = await new Promise<http.Server>((resolve) => {
    PeerServer({ host: '127.0.0.1', port: 0, path: '/' }, (s) => resolve(s as http.Server));
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function openBarePage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.title === 'bare-ready', { timeout: 15_000 });
  return page;
}

async function runBare(): Promise<void> {
  const [site, signal] = await Promise.all([serveBarePage(), startPeerServer()]);
  // Two browser instances, like the product's shopper and agent.
  const [calleeBrowser, callerBrowser] = await Promise.all([launchBrowser(), launchBrowser()]);
  try {
    const [callee, caller] = await Promise.all([openBarePage(calleeBrowser, site.url), openBarePage(callerBrowser, site.url)]);
    const server = { host: signal.host, port: signal.port };
    for (let i = 0; i < WARMUP + CALLS; i++) {
      if (Date.now() - started > DEADLINE_MS) break;
      const measured = i >= WARMUP;
      const calleeId = `bench-callee-${i}-${process.pid}`;
      try {
        // Pre-warm (untimed): fresh Peers open on the PeerServer, camera and mic on.
        await withTimeout(
          Promise.all([
            callee.evaluate((id, s) => window.bench.prepare(id, s), calleeId, server),
            caller.evaluate((id, s) => window.bench.prepare(id, s), `bench-caller-${i}-${process.pid}`, server),
          ]),
          20_000,
          'bare prepare',
        );
        await sleep(THINK_MS);
        // "Accept": the accepting side places the call; timed inside the page.
        const ms = await withTimeout(
          caller.evaluate((id) => window.bench.place(id), calleeId),
          30_000,
          'bare call',
        );
        if (measured) bare.samples.push(ms);
        log(`bare ${measured ? `#${i - WARMUP + 1}` : 'warm-up'}: ${ms.toFixed(1)} ms`);
      } catch (err) {
        if (measured) bare.failures.push(errText(err));
        log(`bare ${measured ? `#${i - WARMUP + 1}` : 'warm-up'} failed: ${errText(err)}`);
      } finally {
        await Promise.all([callee, caller].map((p) => p.evaluate(() => window.bench.reset()).catch(() => {})));
        await sleep(200);
      }
    }
  } finally {
    await Promise.all([calleeBrowser.close(), callerBrowser.close()].map((p) => p.catch(() => {})));
    await Promise.all([site.close(), signal.close()]);
  }
}

// ---------------------------------------------------------------- Counterpart

/** accept → remote-playing on the agent console, from the console's own performance marks. */
function readMarks(agent: AgentSide): Promise<{ callId: unknown; ms: number } | null> {
  return agent.console.evaluate(() => {
    const accepts = performance.getEntriesByName('counterpart:accept', 'mark') as PerformanceMark[];
    const accept = accepts[accepts.length - 1];
    if (!accept) return null;
    const playing = (performance.getEntriesByName('counterpart:remote-playing', 'mark') as PerformanceMark[]).filter(
      (m) => m.detail === accept.detail && m.startTime >= accept.startTime,
    );
    const play = playing[playing.length - 1];
    return play ? { callId: accept.detail as unknown, ms: play.startTime - accept.startTime } : null;
  });
}

async function runProduct(): Promise<void> {
  let stack: Stack | null = null;
  let browsers: Browser[] = [];
  try {
    stack = await startStack();
    const [shopperBrowser, agentBrowser] = await Promise.all([launchBrowser(), launchBrowser({ extension: true })]);
    browsers = [shopperBrowser, agentBrowser];
    const agent = await AgentSide.open(agentBrowser, stack.shopUrl);
    await agent.signIn(stack.serverUrl, 'alice@counterpart.test', 'alice-demo-pass');
    await agent.setPresence('available');
    let lastCallId: unknown = null;

    for (let i = 0; i < WARMUP + CALLS; i++) {
      if (Date.now() - started > DEADLINE_MS) break;
      const measured = i >= WARMUP;
      const label = measured ? `#${i - WARMUP + 1}` : 'warm-up';
      let shopper: ShopperPage | null = null;
      try {
        // A fresh storefront page per call; Anna Schmidt signs in to the shop on the first one.
        shopper = await ShopperPage.open(shopperBrowser, stack.shopUrl, i === 0 ? { customerId: 1 } : {});
        await shopper.startVideoCall();
        await agent.waitRing();
        await shopper.waitState('offered');
        await sleep(THINK_MS);
        await agent.accept();
        await Promise.all([agent.waitInCall(), shopper.waitState('in-call')]);
        const r = await readMarks(agent);
        if (!r) throw new Error('performance marks counterpart:accept / counterpart:remote-playing not found');
        if (r.callId === lastCallId) throw new Error('stale marks: no new accept mark for this call');
        lastCallId = r.callId;
        if (measured) product.samples.push(r.ms);
        log(`counterpart ${label}: ${r.ms.toFixed(1)} ms`);
        await agent.hangup();
        await shopper.waitState('ended');
      } catch (err) {
        if (measured) product.failures.push(errText(err));
        log(`counterpart ${label} failed: ${errText(err)}`);
        await agent.hangup().catch(() => {});
        await agent.decline().catch(() => {});
      } finally {
        await agent.waitState('available').catch((err: unknown) => log(`agent not available again: ${errText(err)}`));
        await shopper?.page.close().catch(() => {});
      }
    }
  } finally {
    await Promise.all(browsers.map((b) => b.close().catch(() => {})));
    await stack?.close().catch(() => {});
  }
}

// ---------------------------------------------------------------- report

/** Linear interpolation between closest ranks (numpy's default). */
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

type Stats = { n: number; failed: number; p50: number; p95: number; min: number; max: number; mean: number } | { n: 0; failed: number };
function stats(side: Side): Stats {
  const s = [...side.samples].sort((a, b) => a - b);
  if (s.length === 0) return { n: 0, failed: side.failures.length };
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    n: s.length,
    failed: side.failures.length,
    p50: r(quantile(s, 0.5)),
    p95: r(quantile(s, 0.95)),
    min: r(s[0]!),
    max: r(s[s.length - 1]!),
    mean: r(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

function report(note: string | null): void {
  const cp = stats(product);
  const bp = stats(bare);
  const ratio = (k: 'p50' | 'p95') => ('p50' in cp && 'p50' in bp && bp[k] > 0 ? Math.round((cp[k] / bp[k]) * 100) / 100 : null);
  const ratios = { p50: ratio('p50'), p95: ratio('p95') };
  const cell = (s: Stats, k: 'p50' | 'p95' | 'min' | 'max' | 'mean') => ('p50' in s ? s[k].toFixed(1) : '—').padStart(9);
  const row = (name: string, s: Stats) =>
    `${name.padEnd(26)}${String(s.n).padStart(4)}${String(s.failed).padStart(7)}${cell(s, 'p50')}${cell(s, 'p95')}${cell(s, 'min')}${cell(s, 'max')}${cell(s, 'mean')}`;
  const lines = [
    '',
    `accept → remote video playing (agent side), ms — ${CALLS} calls per side, ${WARMUP} warm-up, think ${THINK_MS} ms`,
    `${'side'.padEnd(26)}${'n'.padStart(4)}${'failed'.padStart(7)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}${'mean'.padStart(9)}`,
    row('Counterpart (product)', cp),
    row('bare PeerJS (baseline)', bp),
    `${'ratio Counterpart / bare'.padEnd(37)}${(ratios.p50 === null ? '—' : `${ratios.p50.toFixed(2)}×`).padStart(9)}${(ratios.p95 === null ? '—' : `${ratios.p95.toFixed(2)}×`).padStart(9)}`,
  ];
  for (const [name, side] of [
    ['Counterpart', product],
    ['bare', bare],
  ] as const)
    for (const f of new Set(side.failures)) lines.push(`  ${name} failure: ${f}`);
  if (note) lines.push(`  note: ${note}`);
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
  const json = {
    bench: 'call',
    metric: 'accept→remote-playing (agent side), ms',
    calls: CALLS,
    warmup: WARMUP,
    thinkMs: THINK_MS,
    counterpart: { ...cp, samples: product.samples.map((x) => Math.round(x * 10) / 10) },
    bare: { ...bp, samples: bare.samples.map((x) => Math.round(x * 10) / 10) },
    ratio: ratios,
    note,
    at: new Date().toISOString(),
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

let reported = false;
const deadline = setTimeout(() => {
  if (reported) return;
  reported = true;
  report(`deadline of ${DEADLINE_MS} ms reached; partial figures`);
  process.exit(0);
}, DEADLINE_MS + 10_000);
deadline.unref();

let note: string | null = null;
try {
  log(`bare PeerJS baseline: ${WARMUP} warm-up + ${CALLS} calls`);
  await runBare();
} catch (err) {
  note = `baseline aborted: ${errText(err)}`;
  log(note);
}
try {
  log(`Counterpart: ${WARMUP} warm-up + ${CALLS} calls`);
  await runProduct();
} catch (err) {
  note = [note, `Counterpart aborted: ${errText(err)}`].filter(Boolean).join('; ');
  log(`Counterpart aborted: ${errText(err)}`);
}
if (!reported) {
  reported = true;
  report(note);
}
// `peer` never clears its timers.
process.exit(0);
