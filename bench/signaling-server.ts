/**
 * The server side of `npm run bench:signaling` (driver: bench/signaling.ts): the env knobs and small
 * helpers the driver and the load share, and what the child process runs — one server alone (a stock
 * `peer` PeerServer, or ours with every guard on), answering 'gc' and 'stop' over IPC — plus the
 * parent's handle on it (start, ask, VmRSS after a gc there). The child is this file, run as
 * `node --expose-gc --import tsx bench/signaling-server.ts` with BENCH_SIGNALING_ROLE set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import inspector from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Role as PartyRole } from '../protocol/index';
import { descriptorLimit } from '../server/src/config';

const intEnv = (name: string, dflt: number, min: number, max: number): number => {
  const n = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
};
/**
 * Each server runs with this descriptor limit: BENCH_SERVER_NOFILE, or what a Node process started
 * from this shell gets (Node raises its soft limit to the hard one). The clients hold as many
 * sockets, so the held peers are spread over client processes of their own (signaling-holders.ts).
 */
export const SERVER_NOFILE = intEnv('BENCH_SERVER_NOFILE', descriptorLimit() ?? 1024, 256, 1 << 20);
/** Held peers tried: past the server's descriptor limit by default, so what is held is what the limit allows. */
export const PEERS = intEnv('BENCH_PEERS', SERVER_NOFILE + 200, 10, 1 << 20);
export const PAIRS = intEnv('BENCH_PAIRS', 1000, 1, 2000);
export const BURST = intEnv('BENCH_BURST', 150, 10, 190);
export const ROUNDS = intEnv('BENCH_ROUNDS', 3, 1, 20);
/** Frames per second offered in all in the latency phase. */
export const LATENCY_RATE = intEnv('BENCH_LATENCY_RATE', 20_000, 100, 200_000);
export const LATENCY_SECONDS = intEnv('BENCH_LATENCY_SECONDS', 5, 1, 60);
export const WINDOW = intEnv('BENCH_CONNECT_WINDOW', 64, 1, 1000);
/** Shoppers starting conversations at once while the pairs are made. */
export const WINDOW_PAIRS = intEnv('BENCH_PAIR_WINDOW', 16, 1, 64);
export const BUCKET = { capacity: 200, refillPerSec: 50 };

export type Role = 'stock' | 'counterpart';
export type Ready = { type: 'ready'; port: number; dataDir: string | null; agents: { email: string; password: string }[] };

const started = Date.now();
export const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const errText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

// ================================================================ child: one server, nothing else

async function runChild(role: Role): Promise<void> {
  const send = (m: unknown) => process.send!(m);
  let close: () => Promise<void>;
  let ready: Ready;
  if (role === 'stock') {
    const { PeerServer } = await import('peer');
    const server = await new Promise<http.Server>((resolve) => {
      PeerServer({ host: '127.0.0.1', port: 0, path: '/', key: 'peerjs', concurrent_limit: PEERS + 2 * PAIRS + 100 }, (s) => resolve(s as http.Server));
    });
    ready = { type: 'ready', port: (server.address() as { port: number }).port, dataDir: null, agents: [] };
    close = () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
  } else {
    const { startServer } = await import('../server/src/app');
    const { DEMO_ENV, loadConfig } = await import('../server/src/config');
    const { openDatabase, now } = await import('../server/src/db/index');
    const { seedDemoUsers } = await import('../server/src/db/seed');
    const { hashPassword } = await import('../server/src/auth/passwords');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-bench-signaling-'));
    const config = loadConfig({
      ...DEMO_ENV,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      STATIC_DIR: path.join(dataDir, 'no-static'),
      SHOP_URL: 'http://127.0.0.1:1',
      SITE_ORIGINS: 'http://shop.test',
      // Sized for the bench; every guard stays on.
      MAX_PEERS: String(PEERS + 2 * PAIRS + 500),
      // Its default follows the descriptor limit: a small BENCH_SERVER_NOFILE would refuse the pairs' channels.
      MAX_REALTIME_SOCKETS: String(2 * PAIRS + 500),
      MAX_PEERS_PER_OWNER: String(PEERS + 10),
      // The site-wide budget of anonymous shopper sessions (600/min) only above ~550 pairs.
      RATE_SITE_SESSIONS_PER_MINUTE: String(Math.max(600, PAIRS + 50)),
    });
    // One agent per pair (an agent takes one conversation at a time): real users, created before
    // the server starts (it loads its agents at start). One password hash shared by all of them.
    const agents = Array.from({ length: PAIRS }, (_, i) => ({ email: `bench-agent-${i}@counterpart.test`, password: 'bench-agent-pass' }));
    const db = await openDatabase(config.databaseFile);
    await seedDemoUsers(db);
    const hash = await hashPassword('bench-agent-pass');
    const rows = agents.map((a, i) => ({ email: a.email, name: `Bench Agent ${i}`, role: PartyRole.Agent, password_hash: hash, created_at: now() }));
    await db.batchInsert('users', rows, 100);
    await db.destroy();
    const server = await startServer(config);
    ready = { type: 'ready', port: server.port, dataDir, agents };
    close = async () => {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const profiler = new inspector.Session();
  profiler.connect();
  process.on('message', (m: { type: string }) => {
    if (m.type === 'gc') {
      const g = (globalThis as { gc?: () => void }).gc;
      g?.();
      g?.();
      send({ type: 'gc', exposed: Boolean(g) });
    } else if (m.type === 'profile-start') {
      profiler.post('Profiler.enable', () => profiler.post('Profiler.start', () => send({ type: 'profiling' })));
    } else if (m.type === 'profile-stop') {
      profiler.post('Profiler.stop', (err, r) => {
        const file = path.join(process.env.BENCH_CPU_PROF ?? os.tmpdir(), `${role}-relay.cpuprofile`);
        if (!err) fs.writeFileSync(file, JSON.stringify(r.profile));
        send({ type: 'profiled', file: err ? null : file });
      });
    } else if (m.type === 'stop') {
      void close().finally(() => {
        send({ type: 'stopped' });
        process.disconnect();
        process.exit(0);
      });
    }
  });
  send(ready);
}

// ================================================================ parent: the clients

export type Child = { proc: ChildProcess; ready: Ready; ask(type: string, reply: string): Promise<Record<string, unknown>> };

/** The child's next IPC message of this type; rejects if the child exits first. */
export function replyOf(proc: ChildProcess, type: string, who: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: Record<string, unknown>) => {
      if (m.type !== type) return;
      proc.off('message', onMsg);
      proc.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`${who} exited (${code}) before '${type}'`));
    proc.on('message', onMsg);
    proc.once('exit', onExit);
  });
}

export function startChild(role: Role): Promise<Child> {
  // `ulimit -n` sets the hard limit too: Node raises its soft limit to the hard one at start.
  const node = [process.execPath, '--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)];
  const proc = spawn('bash', ['-c', `ulimit -n ${SERVER_NOFILE} && exec "$0" "$@"`, ...node], {
    env: { ...process.env, BENCH_SIGNALING_ROLE: role, BENCH_PEERS: String(PEERS), BENCH_PAIRS: String(PAIRS) },
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const ask = (type: string, reply: string) => {
    const answer = replyOf(proc, reply, `${role} server`);
    if (type) proc.send({ type });
    return answer;
  };
  return ask('', 'ready').then((ready) => ({ proc, ready: ready as unknown as Ready, ask }));
}

function vmRssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** RSS of the child after a gc there (and a moment for the allocator to settle). */
export async function settledRss(child: Child): Promise<{ kb: number; gc: boolean }> {
  await sleep(300);
  const r = await child.ask('gc', 'gc');
  await sleep(200);
  return { kb: vmRssKb(child.proc.pid!), gc: Boolean(r.exposed) };
}

const role = process.env.BENCH_SIGNALING_ROLE as Role | undefined;
if (role && process.argv[1] === fileURLToPath(import.meta.url)) await runChild(role);
