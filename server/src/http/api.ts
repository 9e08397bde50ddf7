import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { CounterpartError, ErrorCode, Role, type CallContext } from '../../../protocol/index';
import type { NonceStore } from '../auth/nonces';
import type { StaffSessions } from '../auth/sessions';
import type { Tickets } from '../auth/tickets';
import type { TokenService } from '../auth/tokens';
import type { CallService } from '../calls/service';
import type { Config } from '../config';
import type { Db } from '../db/index';
import type { ShopAdapter } from '../shop/adapter';
import type { SiteRegistry } from '../sites';
import { principalOf, requireAuth } from './auth';
import { authRoutes } from './auth-routes';
import { callRecord, listCalls } from './call-records';
import { shopperRoutes } from './shopper-routes';

export type ApiDeps = {
  config: Config;
  db: Db;
  tokens: TokenService;
  sessions: StaffSessions;
  tickets: Tickets;
  nonces: NonceStore;
  calls: CallService;
  shop: ShopAdapter;
  sites: SiteRegistry;
  cors: (ctx: Context, next: Next) => Promise<void>;
};

/**
 * The widget calls some routes from shop pages. CORS is not what protects them (the origin check
 * and the tokens are), so any origin may read the answer: a shop not allowed yet sees why.
 */
async function cors(ctx: Context, next: Next): Promise<void> {
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
}

export function apiRouter(deps: Omit<ApiDeps, 'cors'>): Router {
  const { db, sessions, calls, shop } = deps;
  const r = new Router({ prefix: '/api' });

  r.get('/health', (ctx) => {
    ctx.body = { ok: true };
  });

  authRoutes(r, { ...deps, cors });
  shopperRoutes(r, { ...deps, cors });

  r.get('/calls/:id/context', requireAuth(sessions, Role.Agent), async (ctx) => {
    const p = principalOf(ctx);
    const live = calls.contextFor(p, ctx.params.id!);
    const latestOrder = live.customer ? await shop.getLatestOrder(live.customer.id) : null;
    const body: CallContext = { callId: ctx.params.id!, customer: live.customer, product: live.product, latestOrder };
    ctx.body = body;
  });

  r.get('/calls', requireAuth(sessions, Role.Supervisor), async (ctx) => {
    const limit = Math.min(Math.max(Number(ctx.query.limit) || 50, 1), 200);
    ctx.body = await listCalls(db, limit);
  });

  r.get('/calls/:id', requireAuth(sessions, Role.Supervisor, Role.Agent), async (ctx) => {
    const p = principalOf(ctx);
    const rec = await callRecord(db, ctx.params.id!);
    if (!rec || (p.role === Role.Agent && rec.agentId !== p.userId)) throw new CounterpartError(ErrorCode.CallNotFound, 'No such call');
    ctx.body = rec;
  });

  return r;
}
