import bodyParser from '@koa/bodyparser';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Koa from 'koa';
import { setTimeout as delay } from 'node:timers/promises';
import { CounterpartError, ErrorCode, RingEndReason, TERMINAL_STATES, Paths, Role, partyKey } from '../../protocol/index';
import { NonceStore } from './auth/nonces';
import { StaffSessions } from './auth/sessions';
import { Tickets } from './auth/tickets';
import { TokenService } from './auth/tokens';
import { Conversations } from './conversations/service';
import { ConversationStore } from './conversations/store';
import { FileStore } from './conversations/files';
import { TicketDesk } from './tickets/desk';
import { Settings } from './admin/settings';
import { Staff } from './admin/staff';
import { TicketStore } from './tickets/store';
import type { Config } from './config';
import { openDatabase, type Db } from './db/index';
import { seedCanned, seedDemoUsers } from './db/seed';
import { apiRouter } from './http/api';
import { errorMiddleware } from './http/errors';
import { securityHeaders } from './http/security-headers';
import { staticFiles } from './http/static';
import { RefusalCounter, createLogger, type Logger } from './log';
import { createSignaling } from './peer/signaling';
import { Hub } from './realtime/hub';
import { createRealtime } from './realtime/channel';
import { bridgeToHub } from './realtime/bridge';
import type { ShopAdapter } from './shop/adapter';
import { createWooCommerceAdapter } from './shop/woocommerce';
import { SiteRegistry } from './sites';
import { HoursStore } from './sites/hours-store';
import { refuseUpgrade, requestTarget } from './upgrade';

export type RunningServer = {
  url: string;
  port: number;
  db: Db;
  conversations: Conversations;
  log: Logger;
  refusals: RefusalCounter;
  /** Live conversations taken over at start (a restart resumes them). */
  resumed: number;
  /** Open sockets now, by channel and kind of owner. */
  sockets(): { realtime: { staff: number; shoppers: number }; peers: { staff: number; shoppers: number } };
  close(): Promise<void>;
};

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
  if (config.seedDemo) await seedCanned(db);
  const store = new ConversationStore(db);
  const sites = new SiteRegistry(db);
  await sites.upsert({ key: config.site.key, name: 'Demo shop', origins: config.site.origins, identitySecret: config.site.identitySecret });
  // Business hours: BUSINESS_HOURS is the site's default only; what is stored stays (none stored: open always).
  const hours = new HoursStore(db);
  if (await hours.ensureDefault(sites.byKey(config.site.key)!.id, config.businessHours)) log.info('business hours of the site set from BUSINESS_HOURS');

  const tokens = new TokenService(signingSecret(config));
  const nonces = new NonceStore(db);
  const sessions = new StaffSessions(db, tokens, {
    accessTtlSeconds: config.staffTokenTtl,
    maxAgeSeconds: config.staffSessionMaxSeconds,
    refreshGraceSeconds: config.staffRefreshGraceSeconds,
  });
  const tickets = new Tickets(tokens, nonces, (sid) => sessions.isLive(sid));
  const refusals = new RefusalCounter(log);
  // Routing settings and the VIP rule: the stored ones replace the environment's (an admin changes them at runtime).
  const settings = new Settings(db, config.routing, config.shop.vip, () => conversations.lifecycle.dispatch());
  await settings.load();
  const shop = deps.shop ?? createWooCommerceAdapter({ baseUrl: config.shop.url, consumerKey: config.shop.consumerKey, consumerSecret: config.shop.consumerSecret, vip: settings.vipRule });
  const hub = new Hub();
  const conversations = new Conversations(store, shop, log, {
    routing: config.routing,
    ringTimeoutMs: config.ringTimeoutMs,
    ringRetryAfterMs: config.ringRetryAfterMs,
    reconnectGraceMs: config.reconnectGraceMs,
    connectTimeoutMs: config.connectTimeoutMs,
    queue: config.queue,
  });
  const agents: { id: number; name: string; email: string }[] = await db('users').where({ role: Role.Agent }).select('id', 'name', 'email');
  const resumed = await conversations.init(agents);
  if (resumed) log.info({ conversations: resumed }, 'took over live conversations (participants have the reconnect grace to come back)');
  bridgeToHub(conversations, hub);
  const files = new FileStore(path.join(config.dataDir, 'files'));
  const desk = new TicketDesk(new TicketStore(db), store, shop, tokens, {
    linkTtlSeconds: config.ticketLinkTtl,
    endWrapUp: (agentId) => conversations.endWrapUp(agentId),
  });
  // Every answered conversation opens (or joins) a ticket as it is answered; a transfer and its note go on it.
  conversations.events.on('offerEnded', (c, _agent, reason) => {
    if (reason === RingEndReason.Accepted) void desk.opened(c.id).catch((err: unknown) => log.error({ err, id: c.id }, 'opening the ticket failed'));
  });
  // A callback the shopper left before an agent was free becomes a ticket to follow up.
  conversations.events.on('changed', (c) => {
    if (c.callbackAt && !c.answeredAt && TERMINAL_STATES.has(c.state)) void desk.callbackMissed(c.id).catch((err: unknown) => log.error({ err, id: c.id }, 'callback ticket failed'));
  });
  // The ticket follows the conversation: a transfer and its note are on it for the next agent.
  conversations.events.on('transferred', (c, from, note) => void desk.transferred(c.id, from, note).catch((err: unknown) => log.error({ err, id: c.id }, 'ticket transfer entry failed')));

  const app = new Koa({ proxy: config.trustProxy > 0, maxIpsCount: config.trustProxy });
  // What fails after the answer began (a client that hangs up during a download) is the client's
  // doing: counted, not printed as a stack. Anything else is logged.
  app.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET' || err.code === 'EPIPE') refusals.count('http.client_aborted', {});
    else log.error({ err }, 'request failed after the response began');
  });
  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 15_000 });
  const signaling = createSignaling({
    server,
    tokens,
    policy: conversations.media,
    refusals,
    sessionLive: (sid) => sessions.isLive(sid),
    maxPeersPerOwner: config.maxPeersPerOwner,
    capacity: { peers: config.capacity.peers, staffReserve: config.capacity.staffReserve },
  });
  const realtime = createRealtime({
    hub,
    conversations,
    tickets,
    log,
    refusals,
    capacity: { sockets: config.capacity.realtimeSockets, staffReserve: config.capacity.staffReserve },
    // Outside business hours a new request is refused (`closed`); a conversation going on is not (a resend gets it back).
    beforeStart: async (p) => {
      if (conversations.liveOf(p).length === 0) await hours.assertOpen(p.siteId);
    },
  });
  conversations.events.on('peersRetired', (peerIds) => signaling.closePeers(peerIds));
  // A shopper whose last conversation ended holds no peer at all (also ones it opened and never joined).
  conversations.events.on('changed', (c) => {
    if (conversations.core.live.has(c.id)) return;
    for (const p of c.participants) {
      const owner = partyKey(p.party);
      if (p.party.role === Role.Shopper && !conversations.media.shopperInConversation(owner)) signaling.closeOwner(owner);
    }
  });
  sessions.onRevoked = (sid) => {
    hub.closeSession(sid, 'session ended');
    signaling.closeSession(sid);
  };

  /** Set when shutdown begins: every new request and upgrade is refused at once. */
  let closing = false;
  app.use(errorMiddleware(log));
  app.use(securityHeaders());
  app.use(async (ctx, next) => {
    if (closing) {
      ctx.set('Connection', 'close');
      throw new CounterpartError(ErrorCode.Unavailable, 'The server is shutting down; try again shortly');
    }
    await next();
  });
  app.use(bodyParser({ jsonLimit: '16kb', enableTypes: ['json'] }));
  const api = apiRouter({ config, db, tokens, sessions, tickets, nonces, conversations, files, shop, sites, desk, settings, staff: new Staff(db, sessions, conversations) });
  // A method a path does not have is refused through the one error path (JSON body), not as koa-router's plain text.
  app.use(api.routes()).use(api.allowedMethods({ throw: true }));
  app.use(staticFiles(config.staticDir));

  server.on('request', app.callback());
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (closing) return refuseUpgrade(socket, refusals, 'upgrade.closing', 503);
    const target = requestTarget(req);
    if (!target) return refuseUpgrade(socket, refusals, 'upgrade.bad_target', 400);
    const route = target.pathname === Paths.realtime ? realtime : target.pathname === Paths.peerSocket ? signaling : null;
    if (!route) return refuseUpgrade(socket, refusals, 'upgrade.no_route', 404);
    route.handleUpgrade(req, socket, head, target.params).catch((err: unknown) => {
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

  let closed: Promise<void> | null = null;
  return {
    url,
    port,
    db,
    conversations,
    log,
    refusals,
    resumed,
    /** Open sockets now, by channel and kind of owner. */
    sockets: () => ({ realtime: hub.counts(), peers: signaling.counts() }),
    /**
     * Refuses new work at once, sends close frames, and cuts every socket still open after
     * SHUTDOWN_GRACE_MS (≤ 2 s): a client that never answers cannot hold it up. Conversations are
     * not ended: they are stored, and the next start takes them over (clients reconnect and resume).
     */
    close: () =>
      (closed ??= (async () => {
        closing = true;
        const listening = new Promise<void>((resolve) => server.close(() => resolve()));
        await conversations.stop();
        realtime.close();
        signaling.close();
        server.closeIdleConnections();
        // Clients that answer the close frame are gone at once; the rest are cut at the grace.
        const until = Date.now() + config.shutdownGraceMs;
        const open = () => hub.counts().staff + hub.counts().shoppers + signaling.counts().staff + signaling.counts().shoppers;
        while (open() > 0 && Date.now() < until) await delay(25);
        realtime.terminate();
        server.closeAllConnections();
        await listening;
        await conversations.stop();
        nonces.close();
        refusals.close();
        await db.destroy();
      })()),
  };
}
