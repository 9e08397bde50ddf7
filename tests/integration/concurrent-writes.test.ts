/**
 * Writes that overlap, on a real server and a real SQLite file: the answers a careless or hostile
 * client gets when it sends the same change several times at once, or two changes that conflict.
 * Never a 500, never a bound passed, never an audit entry for a change that did not happen, never
 * a deployment left without an admin. Also: text that cannot be shown, malformed VIP rules and
 * overlapping opening hours are refused; a deactivated agent is no transfer target.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditList,
  ErrorCode,
  InviteResponse,
  IssueType,
  LoginResponse,
  MediaKind,
  Role,
  RoutingSettings,
  SiteHoursList,
  SiteHoursUpdate,
  TicketEntryKind,
  TicketLink,
  TicketSource,
  TicketView,
  MAX_TICKET_FILES,
  type AgentDirectory,
} from '../../protocol/index';
import { MAX_CANNED } from '../../server/src/http/canned-routes';
import { TicketStore } from '../../server/src/tickets/store';
import { acceptOffer, agentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { bearer, DEMO, httpRequest, login, shopperSession, startStack, waitFor, type HttpResult, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

const ADA = { email: 'ada@counterpart.test', password: 'ada-demo-pass' };
let stack: Stack;
let ada: string;
const sockets: RealtimeClient[] = [];
const track = (rt: RealtimeClient) => void sockets.push(rt);

beforeAll(async () => {
  stack = await startStack({ env: { TRUST_PROXY: '1' } });
  ada = (await login(stack.url, ADA)).token;
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((c) => c.close()));
});
afterAll(async () => stack?.close());

const call = (method: string, path: string, body?: unknown, token = ada): Promise<HttpResult> =>
  httpRequest(`${stack.url}/api${path}`, { method, headers: bearer(token), ...(body === undefined ? {} : { body }) });
const codeOf = (r: HttpResult) => (r.json as { error?: { code?: string } } | null)?.error?.code;
const statuses = (rs: HttpResult[]) => rs.map((r) => r.status).sort();
const count = async (table: string, where: Record<string, unknown> = {}) => Number(((await stack.server.db(table).where(where).count({ n: '*' })) as [{ n: number | string }])[0].n);

describe('overlapping writes', () => {
  it('a canned response edited and deleted at once: 200 or 404, never 500, and no edit audited after the delete', async () => {
    for (let i = 0; i < 10; i++) {
      const created = await call('POST', '/canned', { shortcut: `ghost-${i}`, title: 'Ghost', body: 'Boo' });
      expect(created.status).toBe(201);
      const id = (created.json as { id: number }).id;
      const [put, del] = await Promise.all([call('PUT', `/canned/${id}`, { shortcut: `ghost-${i}`, title: 'Ghost 2', body: 'Boo 2' }), call('DELETE', `/canned/${id}`)]);
      expect(del.status).toBe(204);
      expect([200, 404]).toContain(put.status);
      const audit = await stack.server.db('audit_log').where({ target: `canned:${id}` }).orderBy('id').pluck('action');
      // An edit is audited only when it happened, and then before the delete.
      expect(audit).toEqual(put.status === 200 ? ['canned.create', 'canned.update', 'canned.delete'] : ['canned.create', 'canned.delete']);
    }
  });

  it(`canned responses: ten created at once with room for two — ${MAX_CANNED} stored, the rest refused with too_large`, async () => {
    const have = await count('canned_responses');
    const at = new Date().toISOString();
    const fill = Array.from({ length: MAX_CANNED - 2 - have }, (_, i) => ({ shortcut: `fill-${i}`, title: 'Fill', body: 'Fill', updated_at: at }));
    for (let i = 0; i < fill.length; i += 100) await stack.server.db('canned_responses').insert(fill.slice(i, i + 100));
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => call('POST', '/canned', { shortcut: `burst-${i}`, title: 'Burst', body: 'Burst' })));
    expect(statuses(rs)).toEqual([201, 201, ...Array(8).fill(413)]);
    expect(rs.filter((r) => r.status === 413).every((r) => codeOf(r) === ErrorCode.TooLarge)).toBe(true);
    expect(await count('canned_responses')).toBe(MAX_CANNED);
    await stack.server.db('canned_responses').where('shortcut', 'like', 'fill-%').orWhere('shortcut', 'like', 'burst-%').delete();
  });

  it('the same e-mail invited five times at once: one account, four conflicts', async () => {
    const rs = await Promise.all(Array.from({ length: 5 }, () => call('POST', '/admin/staff', { email: 'race@counterpart.test', name: 'Race', role: Role.Agent })));
    expect(statuses(rs)).toEqual([201, 409, 409, 409, 409]);
    expect(rs.filter((r) => r.status === 409).map(codeOf)).toEqual(Array(4).fill(ErrorCode.Conflict));
    expect(await count('users', { email: 'race@counterpart.test' })).toBe(1);
  });

  it('two admins demoting each other at once: one of them stays admin', async () => {
    const inv = await call('POST', '/admin/staff', { email: 'second-admin@counterpart.test', name: 'Second Admin', role: Role.Admin });
    const { account, inviteUrl } = InviteResponse.parse(inv.json);
    const second = LoginResponse.parse((await httpRequest(`${stack.url}/api/auth/accept-invite`, { body: { token: inviteUrl.split('#/invite/')[1], password: 'second-admin-pass' } })).json);
    const adaId = (await login(stack.url, ADA)).user.id;
    const [a, b] = await Promise.all([call('PATCH', `/admin/staff/${account.id}`, { role: Role.Agent }), call('PATCH', `/admin/staff/${adaId}`, { role: Role.Agent }, second.token)]);
    // One demotion went through; the other was refused (the last admin stays) or came too late to be allowed at all.
    expect([a.status, b.status].filter((s) => s === 200)).toHaveLength(1);
    expect([a, b].filter((r) => r.status !== 200).map((r) => [r.status, codeOf(r)])[0]).toSatisfy(([s, c]: [number, string]) => (s === 409 && c === ErrorCode.Conflict) || s === 401 || s === 403);
    expect(await count('users', { role: Role.Admin, active: true })).toBe(1);
    // Whoever is left: Ada keeps the deployment (or gets it back), and the refusal left no trace.
    const left = (await stack.server.db('users').where({ role: Role.Admin, active: true }).first('id')).id as number;
    if (left !== adaId) {
      const token = (await login(stack.url, { email: 'second-admin@counterpart.test', password: 'second-admin-pass' })).token;
      expect((await call('PATCH', `/admin/staff/${adaId}`, { role: Role.Admin }, token)).status).toBe(200);
      ada = (await login(stack.url, ADA)).token;
    }
    const audit = AuditList.parse((await call('GET', '/admin/audit?limit=20')).json).entries.filter((e) => e.action === 'staff.update');
    expect(audit.filter((e) => e.after && (e.after as { role?: string }).role === Role.Agent)).toHaveLength(1);
  });

  it(`${MAX_TICKET_FILES + 10} files added to one ticket at once: ${MAX_TICKET_FILES} kept, each with its entry`, async () => {
    const store = new TicketStore(stack.server.db);
    const at = new Date().toISOString();
    const author = { role: Role.Shopper, id: 'ticket:files', name: '' };
    const ticketId = await store.create({ siteId: 1, issueType: IssueType.Order, source: TicketSource.Offline, customerId: null, customerName: 'Files', customerEmail: null, shopperId: 'files' }, { author, body: 'Files follow' }, at);
    const results = await Promise.allSettled(
      Array.from({ length: MAX_TICKET_FILES + 10 }, (_, i) => store.addFile({ id: i.toString(16).padStart(32, '0'), ticketId, name: `f${i}.txt`, type: 'text/plain', size: 1 }, author, at)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(MAX_TICKET_FILES);
    expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as { code: string }).code)).toEqual(Array(10).fill(ErrorCode.TooLarge));
    expect(await store.fileCount(ticketId)).toBe(MAX_TICKET_FILES);
    expect(await count('ticket_entries', { ticket_id: ticketId, kind: TicketEntryKind.File })).toBe(MAX_TICKET_FILES);
  });

  it('two messages left at once for one waiting request: one ticket with both', async () => {
    const s = await shopperSession(stack.url);
    const rt = await openRealtime(stack, s.token);
    track(rt);
    const id = (await startConversation(rt, startMessage({ channel: MediaKind.Chat }))).conversation.id;
    const msg = (text: string) => ({ name: 'Twice', email: 'twice@example.test', text, issueType: IssueType.PreSale, conversationId: id });
    const rs = await Promise.all([
      httpRequest(`${stack.url}/api/shopper/offline-message`, { headers: { ...bearer(s.token), 'x-forwarded-for': '198.51.100.80' }, body: msg('First') }),
      httpRequest(`${stack.url}/api/shopper/offline-message`, { headers: { ...bearer(s.token), 'x-forwarded-for': '198.51.100.81' }, body: msg('Second') }),
    ]);
    expect(statuses(rs)).toEqual([200, 200]);
    const [a, b] = rs.map((r) => TicketLink.parse(r.json).ticketId);
    expect(a).toBe(b);
    const sam = await login(stack.url, DEMO.sam);
    const t = TicketView.parse((await call('GET', `/tickets/${a}`, undefined, sam.token)).json);
    expect(t.entries.filter((e) => e.kind === TicketEntryKind.Message).map((e) => e.body).sort()).toEqual(['First', 'Second']);
    expect(t.conversations.map((c) => c.id)).toEqual([id]);
  });
});

describe('input that is refused', () => {
  it('text with control or text-direction characters, or nothing visible: 400, nothing stored', async () => {
    const users = await count('users');
    for (const name of ['Eve\u0000', 'Eve\u202Egnp.exe', '\u200B\u200B', 'Two\nlines', 'Bell\u0007', 'Lone \uD800'])
      expect([(await call('POST', '/admin/staff', { email: 'eve@counterpart.test', name, role: Role.Agent })).status, name]).toEqual([400, name]);
    expect(await count('users')).toBe(users);
    expect((await call('PATCH', '/admin/staff/1', { name: 'Al\u0001ice' })).status).toBe(400);
    expect((await call('POST', '/canned', { shortcut: 'esc', title: 'T\u001b[31m', body: 'b' })).status).toBe(400);
    expect((await call('POST', '/canned', { shortcut: 'esc', title: 'T', body: '\u2066hidden\u2069' })).status).toBe(400);
    const s = await shopperSession(stack.url);
    const offline = (body: Record<string, unknown>) =>
      httpRequest(`${stack.url}/api/shopper/offline-message`, { headers: { ...bearer(s.token), 'x-forwarded-for': '198.51.100.90' }, body: { name: 'Bob', email: 'bob@example.test', text: 'Hello', ...body } });
    expect((await offline({ name: 'Bob\u0000' })).status).toBe(400);
    expect((await offline({ text: '\u200B' })).status).toBe(400);
    // Text keeps its line breaks, tabs, emoji and scripts.
    expect((await offline({ name: 'Zoë 王', text: 'Line one\n\tLine two 👍🏽 — مرحبا' })).status).toBe(200);
    // The realtime channel: a chat message refused with bad_request, the conversation goes on.
    const rt = await openRealtime(stack, s.token);
    track(rt);
    const id = (await startConversation(rt, startMessage({ channel: MediaKind.Chat }))).conversation.id;
    rt.send({ type: 'chat.send', conversationId: id, clientId: 'control-chars-1', text: 'a\u0000b' });
    expect((await rt.next('error')).code).toBe(ErrorCode.BadRequest);
    rt.send({ type: 'conversation.end', conversationId: id });
  });

  it('VIP rules: only plain, distinct amounts and well-formed meta keys', async () => {
    const settings = RoutingSettings.parse((await call('GET', '/admin/settings')).json);
    for (const vipRule of ['meta:abc:def', 'spent:500,2000:zzz', 'spent:0x10', 'spent: 500', 'spent:1,1', 'spent:1e3', 'spent:0', 'spent:-5', 'spent:', 'meta:', 'spent:1,2,3,4,5,6,7,8,9,10'])
      expect([(await call('PUT', '/admin/settings', { ...settings, vipRule })).status, vipRule]).toEqual([400, vipRule]);
    expect(RoutingSettings.parse((await call('PUT', '/admin/settings', { ...settings, vipRule: 'spent:2000,500.50' })).json).vipRule).toBe('spent:500.5,2000');
    expect((await call('PUT', '/admin/settings', settings)).status).toBe(200);
  });

  it('opening hours: overlapping intervals refused; intervals and closed dates stored in order, each once', async () => {
    const site = SiteHoursList.parse((await call('GET', '/admin/hours')).json).sites[0]!;
    const week = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
    const put = (weekly: Record<string, unknown>, closedDates: string[] = []) => call('PUT', `/admin/sites/${site.id}/hours`, { hours: { timezone: 'UTC', weekly: { ...week, ...weekly }, closedDates } });
    expect((await put({ mon: [{ from: '09:00', to: '17:00' }, { from: '09:00', to: '17:00' }] })).status).toBe(400);
    expect((await put({ mon: [{ from: '13:00', to: '17:00' }, { from: '09:00', to: '13:30' }] })).status).toBe(400);
    const ok = SiteHoursUpdate.parse((await put({ mon: [{ from: '13:00', to: '17:00' }, { from: '09:00', to: '13:00' }] }, ['2031-01-02', '2031-01-01', '2031-01-02'])).json);
    expect(ok.hours?.weekly.mon).toEqual([{ from: '09:00', to: '13:00' }, { from: '13:00', to: '17:00' }]);
    expect(ok.hours?.closedDates).toEqual(['2031-01-01', '2031-01-02']);
    const audited = AuditList.parse((await call('GET', '/admin/audit?limit=1')).json).entries[0]!;
    expect((audited.after as { closedDates: string[] }).closedDates).toEqual(['2031-01-01', '2031-01-02']);
    expect((await call('PUT', `/admin/sites/${site.id}/hours`, { hours: null })).status).toBe(200);
  });

  it('a deactivated agent is no transfer target and leaves the directory', async () => {
    const alice = await agentConsole(stack, DEMO.alice, undefined, track);
    const s = await shopperSession(stack.url);
    const rt = await openRealtime(stack, s.token);
    track(rt);
    const id = (await startConversation(rt, startMessage({ channel: MediaKind.Chat }))).conversation.id;
    await acceptOffer(alice, id);
    const directory = () => call('GET', '/agents', undefined, alice.token).then((r) => (r.json as AgentDirectory).agents.map((a) => a.name));
    expect(await directory()).toContain('Bob Chen');
    const bob = (await login(stack.url, DEMO.bob)).user.id;
    expect((await call('PATCH', `/admin/staff/${bob}`, { active: false })).status).toBe(200);
    expect(await directory()).not.toContain('Bob Chen');
    alice.rt.send({ type: 'conversation.transfer', conversationId: id, to: { agentId: bob }, note: '' });
    expect((await alice.rt.next('error', { where: (m) => m.conversationId === id })).code).toBe(ErrorCode.BadRequest);
    expect((await call('PATCH', `/admin/staff/${bob}`, { active: true })).status).toBe(200);
    await waitFor(async () => ((await directory()).includes('Bob Chen') ? true : null), 'Bob back in the directory');
    alice.rt.send({ type: 'conversation.end', conversationId: id });
  });
});
