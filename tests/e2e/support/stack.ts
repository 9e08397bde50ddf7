import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startShop } from '../../../demo-shop/src/app';
import { startServer, type RunningServer } from '../../../server/src/app';
import { DEMO_ENV, loadConfig } from '../../../server/src/config';
import { pickFreePort } from '../../../turn/launch';

export type Stack = { server: RunningServer; serverUrl: string; shopUrl: string; dataDir: string; close(): Promise<void> };

/**
 * The real demo: Counterpart server (serving the built widget and dashboard from dist/) and the
 * demo shop, on loopback, with a fresh SQLite data dir. Pages use `localhost` like a user would.
 */
export async function startStack(env: Record<string, string> = {}, opts: { ipOriginAllowed?: boolean } = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-e2e-'));
  const shopPort = await pickFreePort('127.0.0.1');
  const shopUrl = `http://localhost:${shopPort}`;
  const server = await startServer(
    loadConfig({
      ...DEMO_ENV,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
      SHOP_URL: `http://127.0.0.1:${shopPort}`,
      SITE_ORIGINS: opts.ipOriginAllowed === false ? shopUrl : `${shopUrl},http://127.0.0.1:${shopPort}`,
      STATIC_DIR: path.resolve('dist'),
      // Agents take the next request at once; the call test turns wrap-up on.
      WRAP_UP_MS: '0',
      ...env,
    }),
  );
  const serverUrl = `http://localhost:${server.port}`;
  const shop = await startDemoShop(shopPort, serverUrl);
  return {
    server,
    serverUrl,
    shopUrl,
    dataDir,
    async close() {
      await shop.close();
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The demo shop on this port, embedding the widget of the Counterpart server at `serverUrl`. */
export function startDemoShop(port: number, serverUrl: string): ReturnType<typeof startShop> {
  return startShop({
    port,
    counterpartUrl: serverUrl,
    siteKey: 'demo-shop',
    identitySecret: DEMO_ENV.SITE_IDENTITY_SECRET,
    consumerKey: 'ck_demo',
    consumerSecret: 'cs_demo',
  });
}
