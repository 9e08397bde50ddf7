/**
 * Start coturn as a child process with a generated config (TURN REST API auth: use-auth-secret).
 *
 * Readiness: we send STUN Binding requests over UDP to the listener until one gets a Binding
 * success response, and check that the TCP listener accepts a connection. coturn's log lines
 * vary between versions; a real STUN round trip does not.
 *
 * Peers: the generated config carries the `denied-peer-ip` lines of the shipped
 * turn/turnserver.conf (read from it, so the two cannot drift apart): private, loopback,
 * link-local, CGNAT and ULA peers are refused exactly as in production. `allowLoopbackPeers`
 * (tests, where both call legs run on this machine) adds `allow-loopback-peers` and
 * `allowed-peer-ip=127.0.0.1`, which coturn checks before the denied ranges: 127.0.0.1 alone
 * becomes reachable, every other private range stays denied.
 *
 * Run directly: TURN_SECRET=... npx tsx turn/launch.ts
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface StartTurnOptions {
  secret: string;
  realm?: string;
  host?: string /* 127.0.0.1 */;
  port?: number /* 0 = pick a free UDP+TCP port */;
  minPort?: number;
  maxPort?: number;
  /**
   * Let this coturn relay to 127.0.0.1 (tests: both call legs on this machine). Adds
   * `allow-loopback-peers` and `allowed-peer-ip=127.0.0.1`; never for production.
   */
  allowLoopbackPeers?: boolean;
  binary?: string;
  readyTimeoutMs?: number;
}

export interface RunningTurn {
  urls: string[];
  port: number;
  stop(): Promise<void>;
}

const LOG_TAIL_CHARS = 4000;

/** The production example config, whose peer policy every launched coturn shares. */
export const SHIPPED_CONFIG = fileURLToPath(new URL('./turnserver.conf', import.meta.url));

/** The values of every `denied-peer-ip=` line of a coturn config, in order. */
export function deniedPeerIps(configText: string): string[] {
  return configText
    .split('\n')
    .map((line) => /^\s*denied-peer-ip\s*=\s*(\S+)\s*$/.exec(line)?.[1])
    .filter((range): range is string => range !== undefined);
}

async function shippedDeniedPeerIps(): Promise<string[]> {
  const ranges = deniedPeerIps(await readFile(SHIPPED_CONFIG, 'utf8'));
  if (ranges.length === 0) throw new Error(`${SHIPPED_CONFIG} has no denied-peer-ip line: refusing to start a relay open to private networks`);
  return ranges;
}

/** A port free for both UDP and TCP on `host` right now (coturn listens on both). */
export async function pickFreePort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
    });
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const udpOk = await new Promise<boolean>((resolve) => {
      sock.once('error', () => resolve(false));
      sock.bind(port, host, () => resolve(true));
    });
    if (udpOk) sock.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (udpOk) return port;
  }
  throw new Error(`could not find a port free for both UDP and TCP on ${host}`);
}

function buildConfig(o: {
  secret: string; realm: string; host: string; port: number; minPort: number; maxPort: number;
  allowLoopbackPeers: boolean; deniedPeerIps: string[]; dir: string;
}): string {
  return [
    `listening-ip=${o.host}`,
    `relay-ip=${o.host}`,
    `listening-port=${o.port}`,
    `min-port=${o.minPort}`,
    `max-port=${o.maxPort}`,
    'use-auth-secret',
    `static-auth-secret=${o.secret}`,
    `realm=${o.realm}`,
    'fingerprint',
    'stale-nonce=600',
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-multicast-peers',
    ...o.deniedPeerIps.map((range) => `denied-peer-ip=${range}`),
    // allowed-peer-ip is checked before denied-peer-ip: it carves 127.0.0.1 alone out of 127.0.0.0/8.
    ...(o.allowLoopbackPeers ? ['allow-loopback-peers', 'allowed-peer-ip=127.0.0.1'] : []),
    `pidfile=${join(o.dir, 'turnserver.pid')}`,
    `userdb=${join(o.dir, 'turndb')}`,
    'log-file=stdout',
    'simple-log',
    '',
  ].join('\n');
}

/** Send one STUN Binding request; resolve true on a Binding success response from `host:port`. */
function stunBindingOnce(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const txId = randomBytes(12);
    const req = Buffer.alloc(20);
    req.writeUInt16BE(0x0001, 0); // Binding request
    req.writeUInt16BE(0, 2);
    req.writeUInt32BE(0x2112a442, 4); // magic cookie
    txId.copy(req, 8);
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('error', () => finish(false));
    sock.on('message', (msg) => {
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(txId)) finish(true);
    });
    sock.send(req, port, host, (err) => { if (err) finish(false); });
  });
}

function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => { s.destroy(); resolve(false); }, timeoutMs);
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true); });
    s.once('error', () => { clearTimeout(timer); s.destroy(); resolve(false); });
  });
}

export async function startTurn(opts: StartTurnOptions): Promise<RunningTurn> {
  if (!opts.secret) throw new Error('startTurn: a non-empty secret is required');
  const host = opts.host ?? '127.0.0.1';
  const binary = opts.binary ?? 'turnserver';
  const port = opts.port && opts.port > 0 ? opts.port : await pickFreePort(host);
  const minPort = opts.minPort ?? 49152;
  const maxPort = opts.maxPort ?? 65535;
  const realm = opts.realm ?? 'counterpart.local';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;

  const denied = await shippedDeniedPeerIps();
  const dir = await mkdtemp(join(tmpdir(), 'counterpart-turn-'));
  const confPath = join(dir, 'turnserver.conf');
  await writeFile(confPath, buildConfig({
    secret: opts.secret, realm, host, port, minPort, maxPort,
    allowLoopbackPeers: opts.allowLoopbackPeers ?? false, deniedPeerIps: denied, dir,
  }), { mode: 0o600 });

  let log = '';
  const append = (chunk: Buffer) => {
    log += chunk.toString('utf8');
    if (log.length > 4 * LOG_TAIL_CHARS) log = log.slice(-LOG_TAIL_CHARS);
  };
  const tail = () => log.slice(-LOG_TAIL_CHARS).trimEnd() || '(no output)';

  const child = spawn(binary, ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  let exited = false;
  let spawnError: NodeJS.ErrnoException | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => { exited = true; resolve(); });
    child.once('error', (err: NodeJS.ErrnoException) => { spawnError = err; exited = true; resolve(); });
  });

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 3000);
      await exitPromise;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      const err = spawnError as NodeJS.ErrnoException | null;
      if (err?.code === 'ENOENT') {
        throw new Error(`coturn binary "${binary}" not found. Install it with: apt-get install coturn`);
      }
      throw new Error(
        `turnserver exited before becoming ready (${err ? err.message : `exit code ${child.exitCode}, signal ${child.signalCode}`}).\n` +
        `--- turnserver log tail ---\n${tail()}`,
      );
    }
    if ((await stunBindingOnce(host, port, 200)) && (await tcpAccepts(host, port, 500))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `turnserver did not answer STUN on ${host}:${port} within ${readyTimeoutMs} ms.\n` +
        `--- turnserver log tail ---\n${tail()}`,
      );
    }
  }

  const h = host.includes(':') ? `[${host}]` : host;
  return {
    urls: [`turn:${h}:${port}?transport=udp`, `turn:${h}:${port}?transport=tcp`],
    port,
    stop,
  };
}

function intEnv(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const secret = process.env.TURN_SECRET;
  if (!secret) {
    console.error('TURN_SECRET is required (the same value the Counterpart server uses to mint credentials).');
    process.exit(2);
  }
  const turn = await startTurn({
    secret,
    realm: process.env.TURN_REALM || undefined,
    host: process.env.TURN_HOST || undefined,
    port: intEnv('TURN_PORT') ?? 3478,
    minPort: intEnv('TURN_MIN_PORT'),
    maxPort: intEnv('TURN_MAX_PORT'),
  });
  console.log(`coturn ready on port ${turn.port}`);
  for (const u of turn.urls) console.log(`  ${u}`);
  console.log(`Server env: TURN_URLS=${turn.urls.join(',')}`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    turn.stop().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
