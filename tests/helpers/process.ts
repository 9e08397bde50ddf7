/**
 * The real server as a child process (`node --import tsx server/src/main.ts`), as production runs it: a crash
 * ends that process (and the test sees it), its memory is measured from /proc, and it can be
 * sent SIGTERM or SIGKILL. Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_ENV } from '../../server/src/config';
import { SITE } from './server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type ServerProcess = {
  child: ChildProcess;
  url: string;
  dataDir: string;
  /** Every log line (pino JSON) the process printed. */
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  rssBytes(): number;
  stop(): Promise<void>;
};

/** The environment integration tests run with (fast timeouts, demo accounts, high address limits). */
export function testEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...DEMO_ENV,
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    RING_TIMEOUT_MS: '1500',
    RECONNECT_GRACE_MS: '500',
    WRAP_UP_MS: '0',
    SITE_KEY: SITE.key,
    SITE_ORIGINS: SITE.origin,
    SITE_IDENTITY_SECRET: SITE.identitySecret,
    RATE_LOGIN_PER_MINUTE: '10000',
    RATE_SESSION_PER_MINUTE: '10000',
    RATE_SITE_SESSIONS_PER_MINUTE: '100000',
    SHOP_URL: 'http://127.0.0.1:1',
    STATIC_DIR: path.join(dataDir, 'no-static'),
    ...extra,
  };
}

export function freshDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cp-proc-'));
}

/** Starts the server process and resolves once it logs that it listens. */
export async function spawnServer(env: Record<string, string>, timeoutMs = 20_000, root = ROOT): Promise<ServerProcess> {
  // One process (not the tsx CLI, which would put the server in a grandchild a SIGKILL misses).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/src/main.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  let pending = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        const m = /"url":"(http:\/\/[^"]+)".*counterpart server listening|counterpart server listening.*"url":"(http:\/\/[^"]+)"/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve((m[1] ?? m[2])!);
        }
      }
    });
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${e.code ?? e.signal}) before listening: ${stderr}`));
    });
  });
  return {
    child,
    url,
    dataDir: env.DATA_DIR!,
    logs,
    exited,
    rssBytes() {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
      return kb * 1024;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
