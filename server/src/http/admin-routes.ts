import type Router from '@koa/router';
import type { Context } from 'koa';
import { AcceptInvite, CapacityUpdate, type ShopCategoryList, CounterpartError, ErrorCode, InviteRequest, Paths, RoutingSettings, SiteHoursUpdate, SkillsUpdate, StaffUpdate, type InviteResponse, type StaffAccount, type SiteHoursList, type StaffList } from '../../../protocol/index';
import { audit, auditPage } from '../admin/audit';
import { HoursStore } from '../sites/hours-store';
import { Permission } from '../auth/permissions';
import type { ApiDeps } from './api';
import { requirePermission } from './auth';
import { numericId, publicOrigin, staffActor } from './params';
import { RequestBudget, addressKey } from './limits';

/** How long an invite link works. */
const INVITE_TTL_SECONDS = 7 * 24 * 3600;

const idOf = (ctx: Context): number => numericId(ctx, 'staff account');

/** Admin: staff (invite, change, deactivate, skills, capacity), routing settings, the audit log. Every change is audited. */
export function adminRoutes(r: Router, { config, sessions, tokens, staff, settings, db, sites, shop }: ApiDeps): void {
  const manageStaff = requirePermission(sessions, Permission.ManageStaff);
  const manageSettings = requirePermission(sessions, Permission.ManageSettings);
  const accepts = new RequestBudget({ points: 10, perSeconds: 600 }, 'invite attempts from your address');

  r.get('/admin/staff', manageStaff, async (ctx) => {
    const body: StaffList = { staff: await staff.list() };
    ctx.body = body;
  });

  /** A fresh one-time link that sets the account's first password (the dashboard's invite page). */
  const inviteFor = async (ctx: Context, account: StaffAccount): Promise<InviteResponse> => {
    const { token, expiresAt } = await tokens.issueInvite(account.id, INVITE_TTL_SECONDS);
    return { account, inviteUrl: `${publicOrigin(config, ctx)}${Paths.dashboard}#/invite/${token}`, expiresAt };
  };

  r.post('/admin/staff', manageStaff, async (ctx) => {
    const account = await staff.invite(staffActor(ctx), InviteRequest.parse(ctx.request.body));
    ctx.status = 201;
    ctx.body = await inviteFor(ctx, account);
  });

  /** A new invite link for an account that has not set its password yet (the old link was lost or expired). */
  r.post('/admin/staff/:id/invite', manageStaff, async (ctx) => {
    const id = idOf(ctx);
    const account = await staff.get(id);
    if (!account.invited || !account.active) throw new CounterpartError(ErrorCode.InvalidTransition, 'This account has set its password (or is deactivated): no invite to send');
    await audit(db, staffActor(ctx), 'staff.reinvite', `user:${id}`, null, { email: account.email });
    ctx.body = await inviteFor(ctx, account);
  });

  r.patch('/admin/staff/:id', manageStaff, async (ctx) => {
    const id = idOf(ctx);
    ctx.body = await staff.update(staffActor(ctx), id, StaffUpdate.parse(ctx.request.body));
  });

  r.put('/admin/staff/:id/skills', manageStaff, async (ctx) => {
    const id = idOf(ctx);
    ctx.body = await staff.setSkills(staffActor(ctx), id, SkillsUpdate.parse(ctx.request.body).skills);
  });

  /** The shop's product categories, for the skills editor (category skills name their ids). */
  r.get('/admin/categories', manageStaff, async (ctx) => {
    const body: ShopCategoryList = { categories: await shop.getCategories() };
    ctx.body = body;
  });

  r.put('/admin/staff/:id/capacity', manageStaff, async (ctx) => {
    const id = idOf(ctx);
    ctx.body = await staff.setCapacity(staffActor(ctx), id, CapacityUpdate.parse(ctx.request.body).maxChats);
  });

  r.get('/admin/settings', manageSettings, (ctx) => {
    ctx.body = settings.current();
  });

  r.put('/admin/settings', manageSettings, async (ctx) => {
    ctx.body = await settings.update(staffActor(ctx), RoutingSettings.parse(ctx.request.body));
  });

  const hours = new HoursStore(db);
  r.get('/admin/hours', manageSettings, async (ctx) => {
    const body: SiteHoursList = { sites: await Promise.all(sites.all().map(async (s) => ({ id: s.id, key: s.key, name: s.name, hours: await hours.getHours(s.id) }))) };
    ctx.body = body;
  });

  /** A site's business hours (null: open always), stored with its audit entry. */
  r.put('/admin/sites/:id/hours', manageSettings, async (ctx) => {
    const site = sites.all().find((s) => String(s.id) === ctx.params.id);
    if (!site) throw new CounterpartError(ErrorCode.NotFound, 'No such site');
    const { hours: next } = SiteHoursUpdate.parse(ctx.request.body);
    const before = await hours.getHours(site.id);
    // One transaction: the change and its audit entry (setHours nests as a savepoint).
    const body: SiteHoursUpdate = {
      hours: await db.transaction(async (trx) => {
        const after = await new HoursStore(trx).setHours(site.id, next);
        await audit(trx, staffActor(ctx), 'settings.hours', `site:${site.key}`, before, after);
        return after;
      }),
    };
    ctx.body = body;
  });

  r.get('/admin/audit', requirePermission(sessions, Permission.ReadAudit), async (ctx) => {
    const limit = Math.min(Math.max(Number(ctx.query.limit) || 50, 1), 200);
    const before = ctx.query.before === undefined ? undefined : Number(ctx.query.before);
    if (before !== undefined && (!Number.isSafeInteger(before) || before < 1)) throw new CounterpartError(ErrorCode.BadRequest, 'before: an entry id');
    ctx.body = await auditPage(db, { limit, before });
  });

  /** An invited person sets their first password, and is signed in. */
  r.post('/auth/accept-invite', accepts.middleware((ctx) => addressKey(ctx.ip)), async (ctx) => {
    const { token, password } = AcceptInvite.parse(ctx.request.body);
    const id = await tokens.invite(token);
    if (id === null) throw new CounterpartError(ErrorCode.Unauthorized, 'This invite is not valid any more');
    const user = await staff.acceptInvite(id, password);
    ctx.body = await sessions.create({ id: Number(user.id), name: String(user.name), email: String(user.email), role: String(user.role) });
  });
}
