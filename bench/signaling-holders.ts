/**
 * Held peers for `npm run bench:signaling`, spread over client processes of their own: a server is
 * tried up to its descriptor limit, and one client process has no more descriptors than the server
 * (Node raises its soft limit to the hard one, and raising the hard one needs CAP_SYS_RESOURCE).
 * Each holder is this file, run as `node --import tsx bench/signaling-holders.ts` with BENCH_HOLDER
 * set; it connects its share of the peers when told to go, holds them, and closes them when told.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { holdPeers, setSide, type PeerConn } from './signaling-load';
import { WINDOW, replyOf, type Role } from './signaling-server';

type Creds = { id: string; token: string }[];
type Go = { type: 'go'; port: number; side: Role; creds: Creds; window: number };
type Held = { type: 'held'; n: number; failures: Record<string, number> };

/** Sockets one holder takes: well inside a process's descriptor limit. */
const PER_HOLDER = 8000;

async function runHolder(): Promise<void> {
  let conns: PeerConn[] = [];
  process.on('message', (m: Go | { type: 'close' }) => {
    if (m.type === 'go') {
      setSide(m.side);
      void holdPeers(m.port, m.creds, m.window).then((r) => {
        conns = r.conns;
        process.send!({ type: 'held', n: r.conns.length, failures: r.failures } satisfies Held);
      });
    } else if (m.type === 'close') {
      void Promise.all(conns.map((c) => c.close())).then(() => {
        process.send!({ type: 'closed' });
        process.disconnect();
        process.exit(0);
      });
    }
  });
  process.send!({ type: 'ready' });
}

/**
 * Connects every credential's peer, W in flight in all, from ⌈K / 8000⌉ holder processes started
 * beforehand; the clock runs from 'go' to the last holder's report. `close()` closes them all.
 */
export async function holdPeersSpread(
  port: number,
  side: Role,
  creds: Creds,
): Promise<{ held: number; ms: number; failures: Record<string, number>; close(): Promise<void> }> {
  const n = Math.max(1, Math.ceil(creds.length / PER_HOLDER));
  const procs = Array.from({ length: n }, () =>
    spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { env: { ...process.env, BENCH_HOLDER: '1' }, stdio: ['ignore', 2, 2, 'ipc'] }),
  );
  await Promise.all(procs.map((p) => replyOf(p, 'ready', 'holder')));
  const share = Math.ceil(creds.length / n);
  const reports = procs.map((p) => replyOf(p, 'held', 'holder') as Promise<Held>);
  const t = performance.now();
  procs.forEach((p, i) => p.send({ type: 'go', port, side, creds: creds.slice(i * share, (i + 1) * share), window: Math.ceil(WINDOW / n) } satisfies Go));
  const done = await Promise.all(reports);
  const ms = performance.now() - t;
  const failures: Record<string, number> = {};
  for (const r of done) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
  return {
    held: done.reduce((s, r) => s + r.n, 0),
    ms,
    failures,
    async close() {
      await Promise.all(
        procs.map(async (p) => {
          const closed = replyOf(p, 'closed', 'holder').catch(() => ({}));
          p.send({ type: 'close' });
          await closed;
          if (p.exitCode === null) await new Promise((r) => p.once('exit', r));
        }),
      );
    },
  };
}

if (process.env.BENCH_HOLDER && process.argv[1] === fileURLToPath(import.meta.url)) await runHolder();
