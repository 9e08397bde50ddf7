import Router from '@koa/router';
import type { Context, Next } from 'koa';

import type { NonceStore } from '../auth/nonces';
import type { StaffSessions } from '../auth/sessions';
import type { Tickets } from '../auth/tickets';
import type { TokenService } from '../auth/tokens';
import type { Conversations } from '../conversations/service';
import type { FileStore } from '../conversations/files';
import type { Config } from '../config';
import type { Db } from '../db/index';
import type { ShopAdapter } from '../shop/adapter';
import type { SiteRegistry } from '../sites';
import type { TicketDesk } from '../tickets/desk';
import type { Settings } from '../admin/settings';
import type { Staff } from '../admin/staff';
import { authRoutes } from './auth-routes';
import { conversationRoutes } from './conversation-routes';
import { shopperRoutes } from './shopper-routes';
import { ticketRoutes } from './ticket-routes';
import { cannedRoutes } from './canned-routes';
import { adminRoutes } from './admin-routes';
import { statsRoutes } from './stats-routes';

export type ApiDeps = {
  config: Config;
  db: Db;
  tokens: TokenService;
  sessions: StaffSessions;
  tickets: Tickets;
  nonces: NonceStore;
  conversations: Conversations;
  files: FileStore;
  shop: ShopAdapter;
  sites: SiteRegistry;
  desk: TicketDesk;
  staff: Staff;
  settings: Settings;
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
    ctx.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    ctx.set('Access-Control-Max-Age', '600');
  }
  if (ctx.method === 'OPTIONS') ctx.status = 204;
  else await next();
}

export function apiRouter(deps: Omit<ApiDeps, 'cors'>): Router {
  const r = new Router({ prefix: '/api' });

  r.get('/health', (ctx) => {
    ctx.body = { ok: true };
  });

  authRoutes(r, { ...deps, cors });
  shopperRoutes(r, { ...deps, cors });
  conversationRoutes(r, { ...deps, cors });
  ticketRoutes(r, { ...deps, cors });
  cannedRoutes(r, { ...deps, cors });
  adminRoutes(r, { ...deps, cors });
  statsRoutes(r, { ...deps, cors });

  return r;
}
