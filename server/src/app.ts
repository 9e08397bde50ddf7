import bodyParser from '@koa/bodyparser';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Koa from 'koa';
import { Paths, Role } from '../../protocol/index';
import { TokenService } from './auth/tokens';
import { CallService } from './calls/service';
import { CallStore } from './calls/store';
import type { Config } from './config';
import { openDatabase, type Db } from './db/index';
import { seedDemoUsers } from './db/seed';
import { apiRouter } from './http/api';
import { errorMiddleware } from './http/errors';
import { staticFiles } from './http/static';
import { createLogger, type Logger } from './log';
import { createSignaling } from './peer/signaling';
import { Hub } from './realtime/hub';
import { createRealtime } from './realtime/channel';
import type { ShopAdapter } from './shop/adapter';
import { createWooCommerceAdapter } from './shop/woocommerce';
import { SiteRegistry } from './sites';

export type RunningServer = { url: string; port: number; db: Db; calls: CallService; log: Logger; close(): Promise<void> };

/** The demo generates its signing secret once per data dir; production sets JWT_SECRET. */
function signingSecret(config: Config): string {
  if (config.jwtSecret) return config.jwtSecret;
  const file = path.join(config.dataDir, 'jwt-secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/** One process, one port: REST API, PeerServer, realtime channel and static files. */
export async function startServer(config: Config, deps: { log?: Logger; shop?: ShopAdapter } = {}): Promise<RunningServer> {
  const log = deps.log ?? createLogger(config.logLevel);
  const db = await openDatabase(config.databaseFile);
  if (config.seedDemo && (await seedDemoUsers(db))) log.info('seeded demo staff accounts');
  const sites = new SiteRegistry(db);
  await sites.upsert({ key: config.site.key, name: 'Demo shop', origins: config.site.origins, identitySecret: config.site.identitySecret });

  const tokens = new TokenService(signingSecret(config));
  const shop = deps.shop ?? createWooCommerceAdapter({ baseUrl: config.shop.url, consumerKey: config.shop.consumerKey, consumerSecret: config.shop.consumerSecret });
  const hub = new Hub();
  const calls = new CallService(new CallStore(db), hub, shop, log, {
    ringTimeoutMs: config.ringTimeoutMs,
    ringRetryAfterMs: config.ringRetryAfterMs,
    reconnectGraceMs: config.reconnectGraceMs,
    connectTimeoutMs: config.connectTimeoutMs,
  });
  const agents: { id: number; name: string; email: string }[] = await db('users').where({ role: Role.Agent }).select('id', 'name', 'email');
  for (const a of agents) calls.addAgent(a);

  const app = new Koa();
  const server = http.createServer();
  const signaling = createSignaling({ server, tokens, policy: calls, log, maxPeersPerOwner: config.maxPeersPerOwner });
  const realtime = createRealtime({ hub, calls, tokens, log });

  app.use(errorMiddleware(log));
  app.use(bodyParser({ jsonLimit: '16kb', enableTypes: ['json'] }));
  const api = apiRouter({ config, db, tokens, calls, shop, sites });
  app.use(api.routes()).use(api.allowedMethods());
  app.use(staticFiles(config.staticDir));

  server.on('request', app.callback());
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const route = pathname === Paths.realtime ? realtime : pathname === Paths.peerSocket ? signaling : null;
    if (!route) return void socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    route.handleUpgrade(req, socket, head).catch((err: unknown) => {
      log.error({ err }, 'upgrade failed');
      socket.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url }, 'counterpart server listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    db,
    calls,
    log,
    close: () =>
      (closing ??= (async () => {
        calls.shutdown();
        realtime.close();
        signaling.close();
        await calls.drain();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await db.destroy();
      })()),
  };
}
