import { parseVipRule } from './shop/woocommerce';
import { BusinessHours, CONSOLE_MAX_CONVERSATIONS, MAX_AGENT_CHATS, type VipRule } from '../../protocol/index';
import { z } from 'zod';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Every setting, parsed once from the environment. Defaults run the local demo with no setup;
 * docs/configuration.md lists them all.
 */
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** BUSINESS_HOURS: JSON of the protocol's BusinessHours; a bad value names what is wrong. */
const businessHours = z
  .string()
  .optional()
  .transform((raw, ctx): BusinessHours | null => {
    if (!raw?.trim()) return null;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON (e.g. {"timezone":"Europe/Berlin","weekly":{"mon":[{"from":"09:00","to":"17:00"}]}})' });
      return z.NEVER;
    }
    const parsed = BusinessHours.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const i of parsed.error.issues) ctx.addIssue({ code: 'custom', message: `${i.path.join('.') || '(value)'}: ${i.message}` });
    return z.NEVER;
  });

const Env = z.object({
  /** `production` refuses weak settings (short TURN secret) that a demo tolerates. */
  NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
  /**
   * Proxies in front of the server whose X-Forwarded-For is believed (0: none; the socket's
   * address is the client's). Rate limits key on the client address this yields.
   */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** The URL clients use to reach this server (widget script, extension default). */
  PUBLIC_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('data'),
  DATABASE_FILE: z.string().optional(),
  /** Secret that signs every token; when unset the demo generates one per data dir. */
  JWT_SECRET: z.string().min(32).optional(),
  /** Staff access tokens; clients renew them with their rotating refresh token. */
  STAFF_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(900),
  /** A staff session ends this long after sign-in, however often it is refreshed. */
  STAFF_SESSION_MAX_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  /** A refresh token just replaced still works this long (the answer to it may have been lost). */
  STAFF_REFRESH_GRACE_SECONDS: z.coerce.number().int().nonnegative().max(300).default(30),
  SHOPPER_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(2 * 3600),
  /** How long a shopper's ticket link opens the ticket. */
  TICKET_LINK_TTL_DAYS: z.coerce.number().positive().max(365).default(30),
  /** How long a peer token may be used to connect to the PeerServer. */
  PEER_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(600),
  RING_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  /** An agent who declined or missed a request is offered it again after this long. */
  RING_RETRY_AFTER_MS: z.coerce.number().int().positive().default(30_000),
  /** After a conversation an agent wraps up this long (no offers; Ready ends it early). 0: no wrap-up. */
  WRAP_UP_MS: z.coerce.number().int().nonnegative().max(3_600_000).default(30_000),
  /** A request waiting this long goes to any agent with its issue type (language and category no longer required). */
  WIDEN_AFTER_MS: z.coerce.number().int().nonnegative().default(60_000),
  /** Chats an agent holds at once besides one call (an agent's own setting overrides it). */
  MAX_CHATS: z.coerce.number().int().min(1).max(MAX_AGENT_CHATS).default(3),
  /** Conversations an agent holds at once in all; unset: no cap besides one call plus the agent's chats (21). 1: one at a time. */
  MAX_CONVERSATIONS: z.coerce.number().int().min(1).max(CONSOLE_MAX_CONVERSATIONS).optional(),
  /** Missed rings in a row that set an agent away. */
  MISSED_RINGS_AWAY: z.coerce.number().int().min(1).max(10).default(2),
  /** How long a party's realtime connection may be gone before its call ends. */
  RECONNECT_GRACE_MS: z.coerce.number().int().nonnegative().default(30_000),
  TURN_SECRET: z.string().min(16).optional(),
  TURN_URLS: list.default([]),
  STUN_URLS: list.default([]),
  ICE_TRANSPORT_POLICY: z.enum(['all', 'relay']).default('all'),
  TURN_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  SHOP_URL: z.string().url().default('http://127.0.0.1:4100'),
  SHOP_CONSUMER_KEY: z.string().default('ck_demo'),
  SHOP_CONSUMER_SECRET: z.string().default('cs_demo'),
  /** How a customer's VIP level is read from the shop: meta:<customer meta key> or spent:<amount>,<amount>… */
  VIP_RULE: z.string().default('meta:counterpart_vip'),
  /** The demo site seeded on first start. */
  SITE_KEY: z.string().default('demo-shop'),
  SITE_ORIGINS: list.default(['http://localhost:4100', 'http://127.0.0.1:4100']),
  /** Required: a known default would let anyone sign as any customer. */
  SITE_IDENTITY_SECRET: z.string({ error: 'SITE_IDENTITY_SECRET is required (the secret the shop signs signed-in customers with)' }).min(16),
  /** Seed the demo agents and supervisor (published passwords) on an empty database: demo only. */
  SEED_DEMO: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Sign-in attempts per client address per minute (accounts also lock after repeated failures). */
  RATE_LOGIN_PER_MINUTE: z.coerce.number().int().positive().default(20),
  /** Shopper sessions per client address (IPv6: per /64) per minute. */
  RATE_SESSION_PER_MINUTE: z.coerce.number().int().positive().default(30),
  /** Shopper sessions per site per minute, whatever the addresses. */
  RATE_SITE_SESSIONS_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** Live PeerServer sockets one owner (agent, supervisor, shopper session) may hold. */
  MAX_PEERS_PER_OWNER: z.coerce.number().int().positive().default(3),
  /** PeerServer sockets in all; the last STAFF_RESERVE of them only staff may take. Default: socketBudget(). */
  MAX_PEERS: z.coerce.number().int().positive().optional(),
  /** Realtime sockets in all; the last STAFF_RESERVE of them only staff may take. Default: socketBudget(). */
  MAX_REALTIME_SOCKETS: z.coerce.number().int().positive().optional(),
  STAFF_RESERVE: z.coerce.number().int().nonnegative().default(200),
  /** Requests waiting per site; more are refused with a clear message. */
  QUEUE_MAX_PER_SITE: z.coerce.number().int().positive().default(100),
  /** A request waiting longer than this ends (queue_timeout). */
  QUEUE_MAX_WAIT_MS: z.coerce.number().int().positive().default(15 * 60_000),
  /** A shopper waiting this long with no agent is offered to leave a message instead (the widget counts). */
  OFFLINE_AFTER_MS: z.coerce.number().int().nonnegative().max(24 * 3600_000).default(120_000),
  /** The demo site's business hours (JSON), written at start only if the site has none stored. Unset: open always. */
  BUSINESS_HOURS: businessHours,
  /** On shutdown, sockets that have not closed after this long are cut. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().nonnegative().max(2000).default(1500),
  /** A call accepted but without media after this long is ended (ICE failed). */
  CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STATIC_DIR: z.string().default('dist'),
});

export type Config = {
  production: boolean;
  trustProxy: number;
  host: string;
  port: number;
  publicUrl: string | null;
  dataDir: string;
  databaseFile: string;
  jwtSecret: string | null;
  staffTokenTtl: number;
  staffSessionMaxSeconds: number;
  staffRefreshGraceSeconds: number;
  shopperTokenTtl: number;
  ticketLinkTtl: number;
  peerTokenTtl: number;
  ringTimeoutMs: number;
  ringRetryAfterMs: number;
  reconnectGraceMs: number;
  routing: { wrapUpMs: number; widenAfterMs: number; maxChats: number; maxConversations: number; missedRingsAway: number };
  turn: { secret: string | null; urls: string[]; stunUrls: string[]; ttlSeconds: number; policy: 'all' | 'relay' };
  shop: { url: string; consumerKey: string; consumerSecret: string; vip: VipRule };
  site: { key: string; origins: string[]; identitySecret: string };
  seedDemo: boolean;
  rateLimits: { loginPerMinute: number; sessionPerMinute: number; siteSessionsPerMinute: number };
  maxPeersPerOwner: number;
  capacity: { peers: number; realtimeSockets: number; staffReserve: number };
  queue: { maxPerSite: number; maxWaitMs: number };
  offlineAfterMs: number;
  businessHours: BusinessHours | null;
  shutdownGraceMs: number;
  connectTimeoutMs: number;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  staticDir: string;
};

/** What `npm start` and the tests run the demo with: seeded accounts, the demo shop's secret. */
export const DEMO_ENV = { SEED_DEMO: 'true', SITE_IDENTITY_SECRET: 'demo-identity-secret' } as const;

/**
 * Sockets of each kind (PeerServer, realtime) the server takes by default: what its descriptor limit
 * holds. Each party in a call holds one of each, and 1,000 descriptors stay for HTTP, the database
 * and logs, so half of the rest each. Measured (`npm run bench:signaling`): with 20,000 descriptors
 * a server holds 19,969 PeerServer sockets (stock `peer`: 19,974) at about 6 MB per 1,000; past the
 * limit, connections are refused and the server keeps running. Where the limit cannot be read: 10,000.
 */
export function socketBudget(limits = readLimits()): number {
  const n = descriptorLimit(limits);
  return n === null ? 10_000 : Math.max(100, Math.floor((n - 1000) / 2));
}

/** The "Max open files" soft limit in a /proc/PID/limits text (this process's by default), or null. */
export function descriptorLimit(limits = readLimits()): number | null {
  const m = /Max open files\s+(\d+)/.exec(limits);
  return m ? Number(m[1]) : null;
}

function readLimits(): string {
  try {
    return fs.readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return '';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && e.TURN_SECRET !== undefined && e.TURN_SECRET.length < 32)
    throw new Error('Invalid configuration:\n  TURN_SECRET: must be at least 32 characters in production (e.g. `openssl rand -hex 32`)');
  return {
    production: e.NODE_ENV === 'production',
    trustProxy: e.TRUST_PROXY,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL ?? null,
    dataDir: e.DATA_DIR,
    databaseFile: e.DATABASE_FILE ?? path.join(e.DATA_DIR, 'counterpart.sqlite'),
    jwtSecret: e.JWT_SECRET ?? null,
    staffTokenTtl: e.STAFF_TOKEN_TTL_SECONDS,
    staffSessionMaxSeconds: Math.round(e.STAFF_SESSION_MAX_HOURS * 3600),
    staffRefreshGraceSeconds: e.STAFF_REFRESH_GRACE_SECONDS,
    shopperTokenTtl: e.SHOPPER_TOKEN_TTL_SECONDS,
    ticketLinkTtl: Math.round(e.TICKET_LINK_TTL_DAYS * 86400),
    peerTokenTtl: e.PEER_TOKEN_TTL_SECONDS,
    ringTimeoutMs: e.RING_TIMEOUT_MS,
    ringRetryAfterMs: e.RING_RETRY_AFTER_MS,
    reconnectGraceMs: e.RECONNECT_GRACE_MS,
    routing: { wrapUpMs: e.WRAP_UP_MS, widenAfterMs: e.WIDEN_AFTER_MS, maxChats: e.MAX_CHATS, maxConversations: e.MAX_CONVERSATIONS ?? CONSOLE_MAX_CONVERSATIONS, missedRingsAway: e.MISSED_RINGS_AWAY },
    turn: { secret: e.TURN_SECRET ?? null, urls: e.TURN_URLS, stunUrls: e.STUN_URLS, ttlSeconds: e.TURN_TTL_SECONDS, policy: e.ICE_TRANSPORT_POLICY },
    shop: { url: e.SHOP_URL, consumerKey: e.SHOP_CONSUMER_KEY, consumerSecret: e.SHOP_CONSUMER_SECRET, vip: parseVipRule(e.VIP_RULE) },
    site: { key: e.SITE_KEY, origins: e.SITE_ORIGINS, identitySecret: e.SITE_IDENTITY_SECRET },
    seedDemo: e.SEED_DEMO,
    rateLimits: { loginPerMinute: e.RATE_LOGIN_PER_MINUTE, sessionPerMinute: e.RATE_SESSION_PER_MINUTE, siteSessionsPerMinute: e.RATE_SITE_SESSIONS_PER_MINUTE },
    maxPeersPerOwner: e.MAX_PEERS_PER_OWNER,
    capacity: { peers: e.MAX_PEERS ?? socketBudget(), realtimeSockets: e.MAX_REALTIME_SOCKETS ?? socketBudget(), staffReserve: e.STAFF_RESERVE },
    queue: { maxPerSite: e.QUEUE_MAX_PER_SITE, maxWaitMs: e.QUEUE_MAX_WAIT_MS },
    offlineAfterMs: e.OFFLINE_AFTER_MS,
    businessHours: e.BUSINESS_HOURS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    connectTimeoutMs: e.CONNECT_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    staticDir: e.STATIC_DIR,
  };
}
