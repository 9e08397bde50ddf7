import Router from '@koa/router';
import ratelimit from 'koa-ratelimit';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import {
  CounterpartError,
  ErrorCode,
  LoginRequest,
  Paths,
  Role,
  ShopperSessionRequest,
  type CallContext,
  type LoginResponse,
  type RtcCredentials,
  type ShopperSessionResponse,
} from '../../../protocol/index';
import { verifyPassword } from '../auth/passwords';
import { ownerOf, type TokenService } from '../auth/tokens';
import { mintPeerId, newShopperId } from '../calls/peer-ids';
import type { CallService } from '../calls/service';
import type { Config } from '../config';
import type { Db } from '../db/index';
import type { ShopAdapter } from '../shop/adapter';
import type { SiteRegistry } from '../sites';
import { iceServersFor } from '../turn';
import { principalOf, requireAuth } from './auth';
import { callRecord, listCalls } from './call-records';

type Deps = { config: Config; db: Db; tokens: TokenService; calls: CallService; shop: ShopAdapter; sites: SiteRegistry };

/** A fixed cost for unknown emails too, so timing does not reveal which accounts exist. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export function apiRouter({ config, db, tokens, calls, shop, sites }: Deps): Router {
  const r = new Router({ prefix: '/api' });

  /**
   * The widget calls these from shop pages. CORS is not what protects them (the origin check
   * and the tokens are), so any origin may read the answer: a shop not allowed yet sees why.
   */
  const cors = async (ctx: Context, next: Next) => {
    const origin = ctx.get('origin');
    if (origin) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Vary', 'Origin');
      ctx.set('Access-Control-Allow-Headers', 'content-type, authorization');
      ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
      ctx.set('Access-Control-Max-Age', '600');
    }
    if (ctx.method === 'OPTIONS') ctx.status = 204;
    else await next();
  };

  /** Per client address, in memory (the clustered mode will share these through Redis). */
  const perMinute = (max: number, what: string) =>
    ratelimit({ driver: 'memory', db: new Map(), duration: 60_000, max, id: (ctx) => ctx.ip, throw: true, errorMessage: `Too many ${what}; try again in a minute` });
  const loginLimit = perMinute(config.rateLimits.loginPerMinute, 'sign-in attempts');
  const sessionLimit = perMinute(config.rateLimits.sessionPerMinute, 'requests');

  /** A fresh staff token for this user, as login and refresh answer it. */
  async function staffSession(user: { id: number; name: string; email: string; role: string }): Promise<LoginResponse> {
    const role = user.role === Role.Supervisor ? Role.Supervisor : Role.Agent;
    const { token, expiresAt } = await tokens.issueStaff({ id: user.id, name: user.name, role }, config.staffTokenTtl);
    return { token, expiresAt, user: { id: user.id, name: user.name, email: user.email, role } };
  }

  r.get('/health', (ctx) => {
    ctx.body = { ok: true };
  });

  r.post('/auth/login', loginLimit, async (ctx) => {
    const { email, password } = LoginRequest.parse(ctx.request.body);
    const user = await db('users').where({ email }).first<{ id: number; name: string; email: string; role: string; password_hash: string } | undefined>();
    const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
    if (!user || !ok) throw new CounterpartError(ErrorCode.InvalidCredentials, 'Wrong email or password');
    ctx.body = await staffSession(user);
  });

  /** Staff tokens are short-lived: clients trade a still-valid one for a fresh one. */
  r.post('/auth/refresh', requireAuth(tokens, Role.Agent, Role.Supervisor), async (ctx) => {
    const p = principalOf(ctx);
    const user = p.role === Role.Shopper ? undefined : await db('users').where({ id: p.userId }).first<{ id: number; name: string; email: string; role: string } | undefined>();
    if (!user || user.role !== p.role) throw new CounterpartError(ErrorCode.Unauthorized, 'This account no longer exists');
    ctx.body = await staffSession(user);
  });

  r.options('/shopper/session', cors);
  r.post('/shopper/session', cors, sessionLimit, async (ctx) => {
    const req = ShopperSessionRequest.parse(ctx.request.body);
    const site = sites.byKey(req.siteKey);
    if (!site) throw new CounterpartError(ErrorCode.UnknownSite, 'Unknown site key');
    const origin = ctx.get('origin');
    if (!origin || !site.origins.includes(origin))
      throw new CounterpartError(ErrorCode.OriginNotAllowed, `Origin ${origin || '(none)'} may not use this site key`);
    let customerId: number | null = null;
    if (req.customer) {
      const expected = createHmac('sha256', site.identitySecret).update(String(req.customer.id)).digest();
      const given = Buffer.from(req.customer.signature, 'hex');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new CounterpartError(ErrorCode.InvalidIdentity, 'The shop’s customer signature does not verify');
      customerId = req.customer.id;
    }
    const shopperId = newShopperId();
    const { token, expiresAt } = await tokens.issueShopper({ shopperId, siteId: site.id, customerId }, config.shopperTokenTtl);
    const body: ShopperSessionResponse = { token, shopperId, expiresAt };
    ctx.body = body;
  });

  r.options('/rtc/credentials', cors);
  r.post('/rtc/credentials', cors, sessionLimit, requireAuth(tokens), async (ctx) => {
    const owner = ownerOf(principalOf(ctx));
    const peerId = mintPeerId(owner);
    const { token, expiresAt } = await tokens.issuePeer({ peerId, owner }, config.peerTokenTtl);
    const body: RtcCredentials = {
      peerId,
      peerToken: token,
      expiresAt,
      peer: { path: Paths.peer, key: Paths.peerKey },
      iceTransportPolicy: config.turn.policy,
      iceServers: iceServersFor({
        turnUrls: config.turn.urls,
        stunUrls: config.turn.stunUrls,
        secret: config.turn.secret,
        ttlSeconds: config.turn.ttlSeconds,
        // The owner, not the peer id: coturn's per-user quota then bounds what one client holds.
        user: owner,
      }),
    };
    ctx.body = body;
  });

  r.get('/calls/:id/context', requireAuth(tokens, Role.Agent), async (ctx) => {
    const p = principalOf(ctx);
    const live = calls.contextFor(p, ctx.params.id!);
    const latestOrder = live.customer ? await shop.getLatestOrder(live.customer.id) : null;
    const body: CallContext = { callId: ctx.params.id!, customer: live.customer, product: live.product, latestOrder };
    ctx.body = body;
  });

  r.get('/calls', requireAuth(tokens, Role.Supervisor), async (ctx) => {
    const limit = Math.min(Math.max(Number(ctx.query.limit) || 50, 1), 200);
    ctx.body = await listCalls(db, limit);
  });

  r.get('/calls/:id', requireAuth(tokens, Role.Supervisor, Role.Agent), async (ctx) => {
    const p = principalOf(ctx);
    const rec = await callRecord(db, ctx.params.id!);
    if (!rec || (p.role === Role.Agent && rec.agentId !== p.userId)) throw new CounterpartError(ErrorCode.CallNotFound, 'No such call');
    ctx.body = rec;
  });

  return r;
}
