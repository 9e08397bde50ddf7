/**
 * `npm run bench:login-flood`: does password hashing starve the database? SQLite-backed reads
 * (`GET /api/calls` as a supervisor) are timed while idle, then while 600 sign-in guesses for
 * 600 different accounts arrive at once from 600 addresses (forwarded through TRUST_PROXY).
 * scrypt and SQLite share libuv's thread pool; the server hashes one password at a time so reads
 * keep their threads. Prints a table and, last, one JSON line. Never asserts.
 *
 * Env: BENCH_GUESSES (600), BENCH_READS (200) idle reads; BENCH_SERVER_ROOT runs the server of
 * another checkout (to compare with an older commit).
 */
import { freshDataDir, spawnServer, testEnv } from '../tests/helpers/process';
import { DEMO } from '../tests/helpers/server';

const GUESSES = Number(process.env.BENCH_GUESSES ?? 600);
const READS = Number(process.env.BENCH_READS ?? 200);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

// 600 guesses "from 600 addresses": through TRUST_PROXY, each with its own forwarded address
// (198.18.0.0/15, the benchmarking range: only a header here, nothing is ever sent there).
const srv = await spawnServer(testEnv(freshDataDir(), { TRUST_PROXY: '1' }), 30_000, process.env.BENCH_SERVER_ROOT);
const login = await fetch(`${srv.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO.sam) });
const { token } = (await login.json()) as { token: string };

async function read(): Promise<number> {
  const t = performance.now();
  const r = await fetch(`${srv.url}/api/calls?limit=50`, { headers: { authorization: `Bearer ${token}` } });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`read: HTTP ${r.status}`);
  return performance.now() - t;
}

for (let i = 0; i < 20; i++) await read(); // warm-up
const idle: number[] = [];
for (let i = 0; i < READS; i++) idle.push(await read());

const outcomes: Record<string, number> = {};
let flooding = true;
const flood = Promise.all(
  Array.from({ length: GUESSES }, async (_, i) => {
    const r = await fetch(`${srv.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}` },
      body: JSON.stringify({ email: `guess${i}@counterpart.test`, password: `wrong-${i}` }),
    }).catch(() => null);
    const k = r ? String(r.status) : 'failed';
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  }),
).then(() => (flooding = false));
const busy: number[] = [];
const t0 = performance.now();
while (flooding) busy.push(await read());
await flood;
const floodMs = performance.now() - t0;
await srv.stop();

const row = (name: string, xs: number[]) => `${name.padEnd(22)} ${String(xs.length).padStart(5)} ${pct(xs, 50).toFixed(1).padStart(8)} ${pct(xs, 95).toFixed(1).padStart(8)} ${Math.max(...xs).toFixed(1).padStart(8)}`;
console.log(`${'reads (ms)'.padEnd(22)} ${'n'.padStart(5)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}`);
console.log(row('idle', idle));
console.log(row(`during ${GUESSES} guesses`, busy));
console.log(`flood lasted ${floodMs.toFixed(0)} ms; sign-in answers: ${JSON.stringify(outcomes)}`);
const result = {
  bench: 'login-flood',
  guesses: GUESSES,
  idle: { p50: pct(idle, 50), p95: pct(idle, 95) },
  flood: { p50: pct(busy, 50), p95: pct(busy, 95), max: Math.max(...busy), n: busy.length },
  ratioP50: pct(busy, 50) / pct(idle, 50),
  ratioP95: pct(busy, 95) / pct(idle, 95),
  outcomes,
};
console.log(JSON.stringify(result));
process.exit(0);
