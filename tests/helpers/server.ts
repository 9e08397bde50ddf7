/**
 * Shared helpers for tests that run the real Counterpart server (and the real demo shop) on
 * loopback: start a stack, call the REST API (sockets to the realtime channel and the
 * PeerServer are in ./sockets).
 * Everything is typed against `protocol/`; nothing here mocks project code.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { LoginResponse, RtcCredentials, ShopperSessionResponse, type CustomerVouch } from '../../protocol/index';
import { startShop } from '../../demo-shop/src/app';
import { signVouch } from '../../demo-shop/src/storefront';
import { startServer, type RunningServer } from '../../server/src/app';
import { loadConfig, type Config } from '../../server/src/config';

export const DEFAULT_TIMEOUT_MS = 5000;

export const DEMO = {
  alice: { email: 'alice@counterpart.test', password: 'alice-demo-pass' },
  bob: { email: 'bob@counterpart.test', password: 'bob-demo-pass' },
  sam: { email: 'sam@counterpart.test', password: 'sam-demo-pass' },
} as const;

export const SITE = {
  key: 'demo-shop',
  origin: 'http://shop.test',
  identitySecret: 'test-identity-secret',
  consumerKey: 'ck_test',
  consumerSecret: 'cs_test',
} as const;

export type Stack = {
  server: RunningServer;
  config: Config;
  /** http://127.0.0.1:<port> of the Counterpart server. */
  url: string;
  /** ws://127.0.0.1:<port>, for the realtime channel and the PeerServer. */
  wsUrl: string;
  /** The demo shop's base URL, or null when started without it. */
  shopUrl: string | null;
  dataDir: string;
  close(): Promise<void>;
};

export type StackOptions = {
  /** Extra or overriding server environment (see server/src/config.ts). */
  env?: Record<string, string>;
  /** Start the real demo shop and point SHOP_URL at it (default true). */
  shop?: boolean;
  /** Runs on the fresh data dir before the server starts (e.g. to pre-create users). */
  prepare?: (dataDir: string) => Promise<void>;
};

/** A fresh data dir, the demo shop on port 0 and the server on 127.0.0.1 port 0. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-int-'));
  const shop =
    opts.shop === false
      ? null
      : await startShop({
          port: 0,
          // Only the storefront's widget tag uses this; integration tests do not load it.
          counterpartUrl: 'http://127.0.0.1:1',
          siteKey: SITE.key,
          identitySecret: SITE.identitySecret,
          consumerKey: SITE.consumerKey,
          consumerSecret: SITE.consumerSecret,
        });
  try {
    await opts.prepare?.(dataDir);
    const config = loadConfig({
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      RING_TIMEOUT_MS: '1500',
      RECONNECT_GRACE_MS: '500',
      // An agent takes the next request right after the last one; wrap-up is tested on its own.
      WRAP_UP_MS: '0',
      SITE_KEY: SITE.key,
      SITE_ORIGINS: SITE.origin,
      SITE_IDENTITY_SECRET: SITE.identitySecret,
      SEED_DEMO: 'true',
      // Tests sign in far more often than people; the limit itself is tested with a low value.
      RATE_LOGIN_PER_MINUTE: '10000',
      RATE_SESSION_PER_MINUTE: '10000',
      // Strict rotation by default; the grace for a lost refresh answer is tested on its own.
      STAFF_REFRESH_GRACE_SECONDS: '0',
      SHOP_URL: shop?.url ?? 'http://127.0.0.1:1',
      SHOP_CONSUMER_KEY: SITE.consumerKey,
      SHOP_CONSUMER_SECRET: SITE.consumerSecret,
      STATIC_DIR: path.join(dataDir, 'no-static'),
      ...opts.env,
    });
    const server = await startServer(config);
    return {
      server,
      config,
      url: server.url,
      wsUrl: server.url.replace(/^http/, 'ws'),
      shopUrl: shop?.url ?? null,
      dataDir,
      async close() {
        await server.close();
        await shop?.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await shop?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

export type HttpResult = { status: number; headers: http.IncomingHttpHeaders; text: string; json: unknown };

/** A raw HTTP request with exactly the given headers (fetch would add or forbid some, e.g. Origin). */
export function httpRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; rawBody?: string } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...init.headers };
  let payload: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    payload = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? (payload === undefined ? 'GET' : 'POST'), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = text ? (JSON.parse(text) as unknown) : null;
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expectOk(res: HttpResult, what: string): unknown {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${res.text}`);
  return res.json;
}

export async function login(baseUrl: string, user: { email: string; password: string }): Promise<LoginResponse> {
  const res = await httpRequest(`${baseUrl}/api/auth/login`, { body: user });
  return LoginResponse.parse(expectOk(res, 'login'));
}

/** How a shop vouches for its customer (the demo shop's own signer). */
export const signCustomer = (identitySecret: string, customerId: number, nowMs?: number): CustomerVouch =>
  signVouch(identitySecret, SITE.key, customerId, nowMs);

export async function shopperSession(
  baseUrl: string,
  opts: { origin?: string; siteKey?: string; customerId?: number; identitySecret?: string } = {},
): Promise<ShopperSessionResponse> {
  const customer =
    opts.customerId === undefined
      ? undefined
      : signCustomer(opts.identitySecret ?? SITE.identitySecret, opts.customerId);
  const res = await httpRequest(`${baseUrl}/api/shopper/session`, {
    headers: { origin: opts.origin ?? SITE.origin },
    body: { siteKey: opts.siteKey ?? SITE.key, ...(customer ? { customer } : {}) },
  });
  return ShopperSessionResponse.parse(expectOk(res, 'shopper session'));
}

export async function rtcCredentials(baseUrl: string, token: string): Promise<RtcCredentials> {
  const res = await httpRequest(`${baseUrl}/api/rtc/credentials`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return RtcCredentials.parse(expectOk(res, 'rtc credentials'));
}

// ---------------------------------------------------------------------------------------------
// Waiting

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `fn` until it returns a non-null value. */
export async function waitFor<T>(fn: () => Promise<T | null> | T | null, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}
