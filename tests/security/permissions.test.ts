/**
 * The table of who may do what (server/src/auth/permissions.ts), checked against the running
 * server: every staff endpoint and message is called with a token of each role — agent,
 * supervisor, admin, a shopper, nobody — and must refuse exactly the roles the table leaves out
 * (401 without a token, 403 with the wrong one). Allowed calls may still fail on their input
 * (400, 404): what matters here is that they are not refused for who is asking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, Role } from '../../protocol/index';
import { GRANTS, Permission } from '../../server/src/auth/permissions';
import { bearer, DEMO, httpRequest, login, shopperSession, startStack, type Stack } from '../helpers/server';
import { openRealtime } from '../helpers/sockets';

type Who = Role.Agent | Role.Supervisor | Role.Admin | Role.Shopper | 'nobody';
const STAFF: Who[] = [Role.Agent, Role.Supervisor, Role.Admin];
const holders = (p: Permission): Who[] => (Object.keys(GRANTS) as (keyof typeof GRANTS)[]).filter((r) => GRANTS[r].includes(p));
const ID = '00000000-0000-4000-8000-000000000000';

/** method, path, body, who may call it. */
const TABLE: [string, string, unknown, Who[]][] = [
  ['GET', '/api/conversations', undefined, holders(Permission.WatchAll)],
  ['GET', `/api/conversations/${ID}`, undefined, STAFF],
  ['GET', `/api/conversations/${ID}/context`, undefined, [Role.Agent]],
  ['GET', `/api/conversations/${ID}/customer`, undefined, STAFF],
  ['GET', `/api/conversations/${ID}/ticket`, undefined, STAFF],
  ['GET', '/api/agents', undefined, STAFF],
  ['GET', '/api/stats/kpis?days=7', undefined, holders(Permission.WatchAll)],
  ['GET', '/api/tickets', undefined, STAFF],
  ['GET', '/api/tickets/999999', undefined, STAFF],
  ['PATCH', '/api/tickets/999999', { version: 0, status: 'resolved' }, STAFF],
  ['POST', '/api/tickets/999999/notes', { body: 'x' }, STAFF],
  ['GET', `/api/ticket-files/${'a'.repeat(32)}`, undefined, STAFF],
  ['GET', '/api/canned', undefined, STAFF],
  ['POST', '/api/canned', { shortcut: 'x', title: '', body: '' }, holders(Permission.ManageCanned)],
  ['PUT', '/api/canned/999999', { shortcut: 'x', title: 't', body: 'b' }, holders(Permission.ManageCanned)],
  ['DELETE', '/api/canned/999999', undefined, holders(Permission.ManageCanned)],
  ['GET', '/api/admin/staff', undefined, holders(Permission.ManageStaff)],
  ['GET', '/api/admin/categories', undefined, holders(Permission.ManageStaff)],
  ['POST', '/api/admin/staff', { email: 'not-an-email', name: 'x', role: 'agent' }, holders(Permission.ManageStaff)],
  ['PATCH', '/api/admin/staff/999999', { name: 'x' }, holders(Permission.ManageStaff)],
  ['POST', '/api/admin/staff/999999/invite', undefined, holders(Permission.ManageStaff)],
  ['PUT', '/api/admin/staff/999999/skills', { skills: [] }, holders(Permission.ManageStaff)],
  ['PUT', '/api/admin/staff/999999/capacity', { maxChats: 2 }, holders(Permission.ManageStaff)],
  ['GET', '/api/admin/settings', undefined, holders(Permission.ManageSettings)],
  ['PUT', '/api/admin/settings', {}, holders(Permission.ManageSettings)],
  ['GET', '/api/admin/audit', undefined, holders(Permission.ReadAudit)],
  ['GET', '/api/admin/hours', undefined, holders(Permission.ManageSettings)],
  ['PUT', '/api/admin/sites/999/hours', { hours: null }, holders(Permission.ManageSettings)],
  ['POST', `/api/shopper/conversations/${ID}/rating`, { score: 5 }, [Role.Shopper]],
  ['POST', `/api/shopper/conversations/${ID}/ticket-link`, undefined, [Role.Shopper]],
  ['GET', '/api/shopper/availability', undefined, [Role.Shopper]],
  ['POST', '/api/shopper/offline-message', { name: '' }, [Role.Shopper]],
  ['POST', '/api/auth/logout', undefined, STAFF],
];

let stack: Stack;
const tokens = new Map<Who, string | null>();

beforeAll(async () => {
  stack = await startStack();
  tokens.set(Role.Agent, (await login(stack.url, DEMO.alice)).token);
  tokens.set(Role.Supervisor, (await login(stack.url, DEMO.sam)).token);
  tokens.set(Role.Admin, (await login(stack.url, { email: 'ada@counterpart.test', password: 'ada-demo-pass' })).token);
  tokens.set(Role.Shopper, (await shopperSession(stack.url)).token);
  tokens.set('nobody', null);
});
afterAll(async () => stack?.close());

describe('who may do what', () => {
  it('the table itself: agents take conversations only; admins hold everything supervisors do, and run staff and settings', () => {
    expect(GRANTS[Role.Agent]).toEqual([Permission.TakeConversations]);
    for (const p of GRANTS[Role.Supervisor]) expect(GRANTS[Role.Admin]).toContain(p);
    expect(holders(Permission.ManageStaff)).toEqual([Role.Admin]);
    expect(holders(Permission.ManageSettings)).toEqual([Role.Admin]);
  });

  it.each(TABLE)('%s %s', async (method, path, body, allowed) => {
    // Logout last: it ends the session the other rows use.
    const who: Who[] = [Role.Agent, Role.Supervisor, Role.Admin, Role.Shopper, 'nobody'];
    for (const w of who) {
      const token = path === '/api/auth/logout' && w !== 'nobody' && w !== Role.Shopper ? (await login(stack.url, w === Role.Agent ? DEMO.alice : w === Role.Supervisor ? DEMO.sam : { email: 'ada@counterpart.test', password: 'ada-demo-pass' })).token : tokens.get(w)!;
      const res = await httpRequest(`${stack.url}${path}`, { method, headers: token ? bearer(token) : {}, ...(body === undefined ? {} : { body }) });
      const code = (res.json as { error?: { code?: string } } | null)?.error?.code;
      if (allowed.includes(w)) expect(res.status === 401 || res.status === 403, `${w} may ${method} ${path} (got ${res.status} ${code})`).toBe(false);
      else if (w === 'nobody') expect([res.status, code], `nobody may not ${method} ${path}`).toEqual([401, ErrorCode.Unauthorized]);
      else expect([res.status, code], `${w} may not ${method} ${path}`).toEqual([403, ErrorCode.Forbidden]);
    }
  });

  it('realtime: only agents set a presence or transfer; only shoppers start conversations', async () => {
    for (const w of [Role.Supervisor, Role.Admin] as const) {
      const rt = await openRealtime(stack, tokens.get(w)!);
      rt.send({ type: 'presence.set', presence: 'available' as never });
      expect((await rt.next('error')).code).toBe(ErrorCode.Forbidden);
      rt.send({ type: 'conversation.transfer', conversationId: ID, to: { agentId: 1 }, note: '' });
      expect((await rt.next('error')).code).toBe(ErrorCode.Forbidden);
      rt.send({ type: 'conversation.start', channel: 'chat' as never, issueType: 'order' as never, language: 'en', context: { productId: null, pageUrl: 'http://shop.test/' } });
      expect((await rt.next('error')).code).toBe(ErrorCode.Forbidden);
      await rt.close();
    }
  });
});
