import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_ENV } from '../../../server/src/config';
import { pickFreePort } from '../../../turn/launch';
import { spawnServer, type ServerProcess } from '../../helpers/process';
import { startDemoShop } from './stack';

/**
 * The demo with the server as a child process on a fixed port, so a test can `kill -9` it and
 * start it again on the same data dir and address (clients reconnect to where they were).
 */
export type ProcessStack = { serverUrl: string; shopUrl: string; server: ServerProcess; kill(): Promise<void>; restart(): Promise<void>; close(): Promise<void> };

export async function startProcessStack(env: Record<string, string> = {}): Promise<ProcessStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-e2e-proc-'));
  const [port, shopPort] = [await pickFreePort('127.0.0.1'), await pickFreePort('127.0.0.1')];
  const serverUrl = `http://localhost:${port}`;
  const shopUrl = `http://localhost:${shopPort}`;
  const serverEnv = {
    ...DEMO_ENV,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    // spawnServer waits for the "listening" line, logged at info.
    LOG_LEVEL: 'info',
    SHOP_URL: `http://127.0.0.1:${shopPort}`,
    SITE_ORIGINS: shopUrl,
    STATIC_DIR: path.resolve('dist'),
    WRAP_UP_MS: '0',
    ...env,
  };
  const shop = await startDemoShop(shopPort, serverUrl);
  const stack: ProcessStack = {
    serverUrl,
    shopUrl,
    server: await spawnServer(serverEnv),
    async kill() {
      stack.server.child.kill('SIGKILL');
      await stack.server.exited;
    },
    async restart() {
      stack.server = await spawnServer(serverEnv);
    },
    async close() {
      await stack.server.stop();
      await shop.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}
