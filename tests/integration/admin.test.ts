/**
 * Admin on a real server: invite an agent (the invite link sets the first password and signs them
 * in; it works once), change skills and capacity (routing follows at once), deactivate (sessions
 * end, sign-in refused), change routing settings and the VIP rule at runtime (stored: they survive
 * a restart) — and every change is in the audit log with who, when, before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditList, ErrorCode, ShopCategoryList, SiteHoursList, SiteHoursUpdate, IssueType, InviteResponse, LoginResponse, Role, RoutingSettings, StaffAccount, StaffList } from '../../protocol/index';
import { bearer, httpRequest, login, shopperSession, startStack, type HttpResult, type Stack } from '../helpers/server';
import { openRealtime } from '../helpers/sockets';
import { Settings } from '../../server/src/admin/settings';
import { parseVipRule } from '../../server/src/shop/woocommerce';

const ADA = { email: 'ada@counterpart.test', password: 'ada-demo-pass' };
let stack: Stack;
let ada: string;

beforeAll(async () => {
  stack = await startStack();
  ada = (await login(stack.url, ADA)).token;
});
afterAll(async () => stack?.close());

const call = (method: string, path: string, body?: unknown, token = ada): Promise<HttpResult> =>
  httpRequest(`${stack.url}/api${path}`, { method, headers: bearer(token), ...(body === undefined ? {} : { body }) });
function ok<T>(res: HttpResult, schema: { parse(v: unknown): T }, status = 200): T {
  if (res.status !== status) throw new Error(`HTTP ${res.status}: ${res.text}`);
  return schema.parse(res.json);
}
const code = (r: HttpResult) => [r.status, (r.json as { error?: { code?: string } } | null)?.error?.code];

describe('admin', () => {
  it('invites an agent who sets a password once, and routing knows them at once', async () => {
    const inv = ok(await call('POST', '/admin/staff', { email: 'Nina@Counterpart.test', name: 'Nina Ito', role: Role.Agent }), InviteResponse, 201);
    expect(inv.account).toMatchObject({ email: 'nina@counterpart.test', role: Role.Agent, active: true, invited: true });
    expect(inv.account.skills.length).toBeGreaterThan(0);
    expect(inv.inviteUrl.startsWith(`${stack.url}/dashboard/#/invite/`)).toBe(true);
    expect(stack.server.conversations.core.agents.has(inv.account.id)).toBe(true);
    // Not signed in before the invite is accepted, whatever the password.
    expect(code(await httpRequest(`${stack.url}/api/auth/login`, { body: { email: 'nina@counterpart.test', password: '!invited' } }))).toEqual([401, ErrorCode.InvalidCredentials]);
    expect(code(await call('POST', '/admin/staff', { email: 'nina@counterpart.test', name: 'Again', role: Role.Agent }))).toEqual([409, ErrorCode.Conflict]);

    // A lost link: a new one, while no password is set (audited).
    const again = ok(await call('POST', `/admin/staff/${inv.account.id}/invite`), InviteResponse);
    expect(again.inviteUrl).not.toBe(inv.inviteUrl);
    const token = inv.inviteUrl.split('#/invite/')[1]!;
    expect(code(await httpRequest(`${stack.url}/api/auth/accept-invite`, { body: { token, password: 'short' } }))).toEqual([400, ErrorCode.BadRequest]);
    const session = ok(await httpRequest(`${stack.url}/api/auth/accept-invite`, { body: { token, password: 'nina-first-password' } }), LoginResponse);
    expect(session.user).toMatchObject({ email: 'nina@counterpart.test', role: Role.Agent });
    // Once.
    expect(code(await httpRequest(`${stack.url}/api/auth/accept-invite`, { body: { token, password: 'another-password' } }))).toEqual([401, ErrorCode.Unauthorized]);
    expect((await login(stack.url, { email: 'nina@counterpart.test', password: 'nina-first-password' })).user.id).toBe(inv.account.id);
    expect(code(await call('POST', `/admin/staff/${inv.account.id}/invite`))).toEqual([409, ErrorCode.InvalidTransition]);

    // Skills and capacity: stored, audited, and in the routing cache.
    const skilled = ok(await call('PUT', `/admin/staff/${inv.account.id}/skills`, { skills: [{ kind: 'issue', value: IssueType.Technical, level: 5 }, { kind: 'language', value: 'zh', level: 4 }] }), StaffAccount);
    expect(skilled.skills).toEqual([{ kind: 'issue', value: IssueType.Technical, level: 5 }, { kind: 'language', value: 'zh', level: 4 }]);
    const cached = stack.server.conversations.core.agents.get(inv.account.id)!;
    expect([...cached.skills.issues.keys()]).toEqual([IssueType.Technical]);
    expect(ok(await call('PUT', `/admin/staff/${inv.account.id}/capacity`, { maxChats: 5 }), StaffAccount).maxChats).toBe(5);
    expect(cached.maxChats).toBe(5);
    expect(code(await call('PUT', `/admin/staff/${inv.account.id}/skills`, { skills: [{ kind: 'issue', value: 'gardening', level: 3 }] }))).toEqual([400, ErrorCode.BadRequest]);
    expect(code(await call('PUT', `/admin/staff/${inv.account.id}/capacity`, { maxChats: 0 }))).toEqual([400, ErrorCode.BadRequest]);
  });

  it('deactivates an account: its sessions and sockets end, and it cannot sign in', async () => {
    const staff = ok(await call('GET', '/admin/staff'), StaffList).staff;
    const bob = staff.find((s) => s.email === 'bob@counterpart.test')!;
    const session = await login(stack.url, { email: 'bob@counterpart.test', password: 'bob-demo-pass' });
    const rt = await openRealtime(stack, session.token);
    const after = ok(await call('PATCH', `/admin/staff/${bob.id}`, { active: false }), StaffAccount);
    expect(after.active).toBe(false);
    await rt.closed;
    expect(code(await call('GET', '/tickets', undefined, session.token))).toEqual([401, ErrorCode.Unauthorized]);
    expect(code(await httpRequest(`${stack.url}/api/auth/login`, { body: { email: 'bob@counterpart.test', password: 'bob-demo-pass' } }))).toEqual([401, ErrorCode.InvalidCredentials]);
    // An admin cannot lock themselves out.
    const me = staff.find((s) => s.email === ADA.email)!;
    expect(code(await call('PATCH', `/admin/staff/${me.id}`, { active: false }))).toEqual([400, ErrorCode.BadRequest]);
    expect(code(await call('PATCH', `/admin/staff/${me.id}`, { role: Role.Agent }))).toEqual([400, ErrorCode.BadRequest]);
    ok(await call('PATCH', `/admin/staff/${bob.id}`, { active: true }), StaffAccount);
    expect((await login(stack.url, { email: 'bob@counterpart.test', password: 'bob-demo-pass' })).user.id).toBe(bob.id);
  });

  it('changes routing settings and the VIP rule at runtime; they are stored and survive a restart', async () => {
    const before = ok(await call('GET', '/admin/settings'), RoutingSettings);
    const next = { ...before, wrapUpMs: 45_000, maxChats: 4, maxConversations: 3, vipRule: 'spent:100,1000' };
    expect(ok(await call('PUT', '/admin/settings', next), RoutingSettings)).toEqual(next);
    expect(stack.server.conversations.core.opts.routing).toMatchObject({ wrapUpMs: 45_000, maxChats: 4, maxConversations: 3 });
    expect(code(await call('PUT', '/admin/settings', { ...next, vipRule: 'gold:1' }))).toEqual([400, ErrorCode.BadRequest]);
    expect(code(await call('PUT', '/admin/settings', { ...next, maxChats: 500 }))).toEqual([400, ErrorCode.BadRequest]);
    // One call plus at most 20 chats: 21 conversations at most.
    expect(code(await call('PUT', '/admin/settings', { ...next, maxConversations: 22 }))).toEqual([400, ErrorCode.BadRequest]);
    expect(code(await call('PUT', '/admin/settings', { ...next, maxConversations: 0 }))).toEqual([400, ErrorCode.BadRequest]);
    expect(code(await call('PUT', '/admin/settings', { ...next, extra: 1 }))).toEqual([400, ErrorCode.BadRequest]);
    const stored = await stack.server.db('settings').where({ key: 'routing' }).first();
    expect(JSON.parse(stored.value)).toEqual(next);
  });

  it('lists the shop’s product categories for the skills editor, from the shop itself', async () => {
    // The demo shop's three categories, by name, as its WooCommerce API lists them.
    expect(ok(await call('GET', '/admin/categories'), ShopCategoryList).categories).toEqual([
      { id: 16, name: 'Kitchen' },
      { id: 17, name: 'Lighting' },
      { id: 15, name: 'Textiles' },
    ]);
    const sam = await login(stack.url, { email: 'sam@counterpart.test', password: 'sam-demo-pass' });
    expect(code(await call('GET', '/admin/categories', undefined, sam.token))).toEqual([403, ErrorCode.Forbidden]);
  });

  it('sets a site’s business hours (validated), and shoppers are told it is closed', async () => {
    const list = ok(await call('GET', '/admin/hours'), SiteHoursList);
    const site = list.sites[0]!;
    expect(site.hours).toBeNull();
    const closedAllWeek = { timezone: 'Europe/Berlin', weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] }, closedDates: [] };
    expect(code(await call('PUT', `/admin/sites/${site.id}/hours`, { hours: { ...closedAllWeek, timezone: 'Mars/Olympus' } }))).toEqual([400, ErrorCode.BadRequest]);
    expect(code(await call('PUT', '/admin/sites/999/hours', { hours: null }))).toEqual([404, ErrorCode.NotFound]);
    expect(ok(await call('PUT', `/admin/sites/${site.id}/hours`, { hours: closedAllWeek }), SiteHoursUpdate).hours).toMatchObject({ timezone: 'Europe/Berlin' });
    const shopper = await shopperSession(stack.url);
    expect((await httpRequest(`${stack.url}/api/shopper/availability`, { headers: bearer(shopper.token) })).json).toMatchObject({ open: false });
    expect((await call('PUT', `/admin/sites/${site.id}/hours`, { hours: null })).status).toBe(200);
    expect((await httpRequest(`${stack.url}/api/shopper/availability`, { headers: bearer(shopper.token) })).json).toMatchObject({ open: true });
  });

  it('keeps an audit log of every change: who, what, when, before and after', async () => {
    const log = ok(await call('GET', '/admin/audit?limit=200'), AuditList);
    const actions = log.entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['staff.invite', 'staff.skills', 'staff.capacity', 'staff.update', 'settings.routing', 'settings.hours']));
    const settings = log.entries.find((e) => e.action === 'settings.routing')!;
    expect(settings).toMatchObject({ actor: { name: 'Ada Park' }, target: 'routing', before: expect.objectContaining({ wrapUpMs: 0 }), after: expect.objectContaining({ wrapUpMs: 45_000 }) });
    expect(Date.parse(settings.at)).toBeGreaterThan(Date.now() - 60_000);
    const deactivated = log.entries.find((e) => e.action === 'staff.update' && (e.after as { active?: boolean }).active === false)!;
    expect(deactivated.before).toEqual({ active: true });
    // Each account target is named as the account is now (the deactivated one is Bob); routing has no name.
    const bobId = Number(/^user:([0-9]+)$/.exec(deactivated.target)![1]);
    const bobName = (await stack.server.db('users').where({ id: bobId }).first()).name;
    expect(deactivated.targetName).toBe(bobName);
    expect(settings.targetName).toBeNull();
    // A supervisor reads it; an agent does not; paging back works.
    const sam = await login(stack.url, { email: 'sam@counterpart.test', password: 'sam-demo-pass' });
    expect(ok(await call('GET', '/admin/audit?limit=1', undefined, sam.token), AuditList)).toMatchObject({ more: true });
    const first = ok(await call('GET', '/admin/audit?limit=1'), AuditList).entries[0]!;
    expect(ok(await call('GET', `/admin/audit?limit=1&before=${first.id}`), AuditList).entries[0]!.id).toBeLessThan(first.id);
    expect(code(await call('GET', '/admin/audit?before=x'))).toEqual([400, ErrorCode.BadRequest]);
  });

  it('at start, stored settings replace the environment’s (as a restarted server reads them)', async () => {
    const routing = { wrapUpMs: 1, widenAfterMs: 2, maxChats: 3, maxConversations: 4, missedRingsAway: 5 };
    const fresh = new Settings(stack.server.db, routing, parseVipRule('meta:counterpart_vip'));
    await fresh.load();
    expect(routing).toMatchObject({ wrapUpMs: 45_000, maxChats: 4, maxConversations: 3 });
    expect(fresh.vipRule()).toEqual({ kind: 'spent', thresholds: [100, 1000] });
  });
});
