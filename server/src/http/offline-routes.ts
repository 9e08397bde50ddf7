import type Router from '@koa/router';
import { OfflineMessageRequest, Role, type Availability } from '../../../protocol/index';
import type { Shopper } from '../tickets/desk';
import { OfflineMessages } from '../tickets/offline';
import { HoursStore } from '../sites/hours-store';
import type { ApiDeps } from './api';
import { principalOf, requireAuth } from './auth';
import { publicOrigin } from './params';
import { RequestBudget, addressKey } from './limits';

/** Offline messages one shopper session may leave, and one address (an IPv6 /64) in all. */
export const OFFLINE_BUDGETS = { perShopper: { points: 3, perSeconds: 600 }, perAddress: { points: 10, perSeconds: 3600 } } as const;

/**
 * What the widget asks outside business hours, or when nobody answers in time: whether the shop
 * is open (and when it opens again), and a message left instead of a conversation — it becomes a
 * ticket, and the answer is the ticket's signed link (files go through it, like on the ticket page).
 */
export function offlineRoutes(r: Router, { config, db, sessions, desk, conversations, cors }: ApiDeps): void {
  const hours = new HoursStore(db);
  const messages = new OfflineMessages(desk, conversations);
  const perShopper = new RequestBudget(OFFLINE_BUDGETS.perShopper, 'messages from this session');
  const perAddress = new RequestBudget(OFFLINE_BUDGETS.perAddress, 'messages from your address');
  const shopper = requireAuth(sessions, Role.Shopper);

  r.options('/shopper/availability', cors);
  r.get('/shopper/availability', cors, shopper, async (ctx) => {
    const p = principalOf(ctx) as Shopper;
    const body: Availability = { ...(await hours.availability(p.siteId)), offlineAfterMs: config.offlineAfterMs };
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  });

  r.options('/shopper/offline-message', cors);
  r.post('/shopper/offline-message', cors, shopper, async (ctx) => {
    const p = principalOf(ctx) as Shopper;
    const m = OfflineMessageRequest.parse(ctx.request.body);
    // Only well-formed messages spend the budgets: each one is a ticket someone has to read.
    await perShopper.take(ctx, `shopper:${p.shopperId}`);
    await perAddress.take(ctx, `net:${addressKey(ctx.ip)}`);
    // Our own address (Koa's ctx.origin is the request's Origin header: the shop's, for the widget).
    ctx.body = await messages.leave(p, m, publicOrigin(config, ctx));
  });
}
