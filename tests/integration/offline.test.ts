/**
 * Business hours and offline messages on a real server with real sockets: outside the site's hours
 * the availability says closed and when it opens, and a new conversation is refused with `closed`
 * (one going on is not); a message left instead becomes a ticket (source offline, the message its
 * first entry, the name and e-mail given, the vouched customer) whose signed link opens it and
 * takes a file; a shopper who waited in the queue leaves the request for a message (it ends as
 * abandoned and stays on the ticket). Hostile input, other shoppers' conversations, no token and
 * the budgets are refused. BUSINESS_HOURS is only the site's default: what is stored stays.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Availability,
  ConversationState,
  EndedBy,
  ErrorCode,
  IssueType,
  MediaKind,
  ShopperTicketView,
  TicketEntryKind,
  TicketLink,
  TicketList,
  TicketSource,
  TicketView,
  type BusinessHours,
} from '../../protocol/index';
import { startServer } from '../../server/src/app';
import { HoursStore } from '../../server/src/sites/hours-store';
import { acceptOffer, agentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { bearer, DEMO, httpRequest, login, shopperSession, SITE, startStack, waitFor, type HttpResult, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

const DAY = 86_400_000;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ALL_DAY = [{ from: '00:00', to: '24:00' }];
/** Open every day, all day, except today and tomorrow (UTC): closed now, open again at the start of the day after tomorrow. */
function closedUntilDayAfterTomorrow(): { hours: BusinessHours; opens: string } {
  const today = Date.parse(`${utcDate(Date.now())}T00:00:00Z`);
  return {
    hours: { timezone: 'UTC', weekly: { mon: ALL_DAY, tue: ALL_DAY, wed: ALL_DAY, thu: ALL_DAY, fri: ALL_DAY, sat: ALL_DAY, sun: ALL_DAY }, closedDates: [utcDate(today), utcDate(today + DAY)] },
    opens: new Date(today + 2 * DAY).toISOString(),
  };
}

let stack: Stack;
let hours: HoursStore;
let siteId: number;
const sockets: RealtimeClient[] = [];
const track = (rt: RealtimeClient) => (sockets.push(rt), rt);
/** Each test's requests come from their own address (TRUST_PROXY: the forwarded one), so the per-address budget is per test. */
let net = 0;
let from = '';

beforeAll(async () => {
  stack = await startStack({ env: { TRUST_PROXY: '1', OFFLINE_AFTER_MS: '45000' } });
  hours = new HoursStore(stack.server.db);
  siteId = Number((await stack.server.db('sites').where({ key: SITE.key }).first('id')).id);
});
beforeEach(async () => {
  from = `198.51.100.${++net}`;
  await hours.setHours(siteId, null);
});
afterEach(async () => {
  for (const c of sockets) expect(c.invalid, 'frames that are not valid ServerMessages').toEqual([]);
  await Promise.all(sockets.splice(0).map((c) => c.close()));
  await waitFor(() => (stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'no live conversations left', 5000);
});
afterAll(async () => stack?.close());

const api = (path: string, token: string | null, init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<HttpResult> =>
  httpRequest(`${stack.url}/api${path}`, { ...init, headers: { 'x-forwarded-for': from, ...(token ? bearer(token) : {}), ...init.headers } });

function ok<T>(res: HttpResult, schema: { parse(v: unknown): T }): T {
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text}`);
  return schema.parse(res.json);
}

function expectError(res: HttpResult, status: number, code: ErrorCode): void {
  expect({ status: res.status, code: (res.json as { error?: { code?: string } } | null)?.error?.code }).toEqual({ status, code });
}

const message = (over: Record<string, unknown> = {}) => ({ name: 'Mia Wong', email: 'Mia@Example.test', text: 'Do you ship the oak board to Norway?', issueType: IssueType.PreSale, ...over });

describe('business hours', () => {
  it('open always by default: available, no next opening, and the wait before the offer', async () => {
    const s = await shopperSession(stack.url);
    expect(ok(await api('/shopper/availability', s.token), Availability)).toEqual({ open: true, nextOpening: null, offlineAfterMs: 45_000 });
    expectError(await api('/shopper/availability', null), 401, ErrorCode.Unauthorized);
    expectError(await api('/shopper/availability', (await login(stack.url, DEMO.sam)).token), 403, ErrorCode.Forbidden);
    // The widget calls it from shop pages.
    const pre = await api('/shopper/availability', null, { method: 'OPTIONS', headers: { origin: SITE.origin, 'access-control-request-method': 'GET' } });
    expect([pre.status, pre.headers['access-control-allow-origin']]).toEqual([204, SITE.origin]);
  });

  it('outside hours: closed with the next opening, and a new conversation is refused with `closed`', async () => {
    const { hours: closed, opens } = closedUntilDayAfterTomorrow();
    // A shopper whose conversation began before closing time keeps it: a resent start gets it back.
    const early = await shopperSession(stack.url);
    const earlyRt = track(await openRealtime(stack, early.token));
    const going = await startConversation(earlyRt, startMessage({ channel: MediaKind.Chat }));
    await hours.setHours(siteId, closed);

    const s = await shopperSession(stack.url);
    expect(ok(await api('/shopper/availability', s.token), Availability)).toEqual({ open: false, nextOpening: opens, offlineAfterMs: 45_000 });
    const rt = track(await openRealtime(stack, s.token));
    rt.send(startMessage({ channel: MediaKind.Chat }));
    const refused = await rt.next('error');
    expect(refused.code).toBe(ErrorCode.Closed);
    expect(refused.message).toContain(opens);
    expect(await stack.server.db('conversations').where({ shopper_id: s.shopperId }).count({ n: '*' })).toEqual([{ n: 0 }]);

    expect((await startConversation(earlyRt, startMessage({ channel: MediaKind.Chat }))).conversation.id).toBe(going.conversation.id);
    earlyRt.send({ type: 'conversation.end', conversationId: going.conversation.id });
    await earlyRt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
  });

  it('setHours validates; BUSINESS_HOURS is the default only: what is stored stays at the next start', async () => {
    await expect(hours.setHours(siteId, { timezone: 'Nowhere/Land', weekly: {} })).rejects.toMatchObject({ code: ErrorCode.BadRequest, message: expect.stringContaining('timezone') });
    expect(await hours.getHours(siteId)).toBeNull();

    const env = { BUSINESS_HOURS: JSON.stringify({ timezone: 'Europe/Berlin', weekly: {} }) };
    const other = await startStack({ env });
    try {
      const s = await shopperSession(other.url);
      expect(ok(await httpRequest(`${other.url}/api/shopper/availability`, { headers: bearer(s.token) }), Availability)).toMatchObject({ open: false, nextOpening: null });
      const store = new HoursStore(other.server.db);
      const id = Number((await other.server.db('sites').where({ key: SITE.key }).first('id')).id);
      expect(await store.getHours(id)).toMatchObject({ timezone: 'Europe/Berlin', weekly: { mon: [] } });
      await store.setHours(id, { timezone: 'Asia/Shanghai', weekly: { mon: ALL_DAY, tue: ALL_DAY, wed: ALL_DAY, thu: ALL_DAY, fri: ALL_DAY, sat: ALL_DAY, sun: ALL_DAY } });
      await other.server.close();
      const again = await startServer(other.config);
      try {
        expect((await new HoursStore(again.db).getHours(id))?.timezone).toBe('Asia/Shanghai');
        const s2 = await shopperSession(again.url);
        expect(ok(await httpRequest(`${again.url}/api/shopper/availability`, { headers: bearer(s2.token) }), Availability).open).toBe(true);
      } finally {
        await again.close();
      }
    } finally {
      await other.close();
    }
  });
});

describe('offline messages', () => {
  it('outside hours: the message becomes a ticket whose link opens it and takes a file; staff see it', async () => {
    await hours.setHours(siteId, closedUntilDayAfterTomorrow().hours);
    const s = await shopperSession(stack.url, { customerId: 2 });
    const link = ok(await api('/shopper/offline-message', s.token, { body: message({ issueType: IssueType.Order }) }), TicketLink);
    expect(link.url).toBe(`${stack.url}/ticket/#${link.token}`);

    const view = ok(await api('/public/ticket', link.token), ShopperTicketView);
    expect(view).toMatchObject({ id: link.ticketId, source: TicketSource.Offline, issueType: IssueType.Order, conversations: [] });
    expect(view.entries.map((e) => [e.kind, e.body])).toEqual([[TicketEntryKind.Message, 'Do you ship the oak board to Norway?']]);
    const up = await httpRequest(`${stack.url}/api/public/ticket/files?name=measurements.txt`, {
      method: 'POST', headers: { ...bearer(link.token), 'content-type': 'text/plain' }, rawBody: 'Table: 180 x 90 cm',
    });
    expect(ok(up, ShopperTicketView).entries.map((e) => [e.kind, e.body])).toEqual([[TicketEntryKind.Message, 'Do you ship the oak board to Norway?'], [TicketEntryKind.File, 'measurements.txt']]);

    // The widget adds the files from the shop's page: the upload answers its preflight.
    const pre = await api('/public/ticket/files?name=x.txt', null, { method: 'OPTIONS', headers: { origin: SITE.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect([pre.status, pre.headers['access-control-allow-origin'], pre.headers['access-control-allow-headers']]).toEqual([204, SITE.origin, 'content-type, authorization']);

    const sam = await login(stack.url, DEMO.sam);
    expect(ok(await api('/tickets', sam.token), TicketList).tickets.find((t) => t.id === link.ticketId)).toMatchObject({ source: TicketSource.Offline, customerName: 'Mia Wong', conversations: 0 });
    const t = ok(await api(`/tickets/${link.ticketId}`, sam.token), TicketView);
    expect(t).toMatchObject({ source: TicketSource.Offline, status: 'open', customer: { id: 2, name: 'Mia Wong', email: 'mia@example.test' }, assignee: null });
    expect(t.entries[0]).toMatchObject({ kind: TicketEntryKind.Message, body: 'Do you ship the oak board to Norway?', author: { role: 'shopper', name: 'Mia Wong' } });
    expect(t.entries[1]).toMatchObject({ kind: TicketEntryKind.File, file: { name: 'measurements.txt', type: 'text/plain', size: 18 } });
  });

  it('after waiting with no agent: the request ends as abandoned by the shopper and stays on the ticket with what was typed', async () => {
    const s = await shopperSession(stack.url);
    const rt = track(await openRealtime(stack, s.token));
    const { conversation } = await startConversation(rt, startMessage({ channel: MediaKind.Chat, issueType: IssueType.AfterSales }));
    rt.send({ type: 'chat.send', conversationId: conversation.id, clientId: 'offline-wait-0001', text: 'Anyone there?' });
    await rt.next('chat.message', { where: (m) => m.message.text === 'Anyone there?' });

    const link = ok(await api('/shopper/offline-message', s.token, { body: message({ issueType: IssueType.AfterSales, conversationId: conversation.id }) }), TicketLink);
    const ended = await rt.next('conversation.update', { where: (m) => m.conversation.id === conversation.id && m.conversation.state === ConversationState.Abandoned });
    expect(ended.conversation).toMatchObject({ endedBy: EndedBy.Shopper, endReason: 'abandoned' });
    const sam = await login(stack.url, DEMO.sam);
    const t = ok(await api(`/tickets/${link.ticketId}`, sam.token), TicketView);
    expect(t.conversations.map((c) => [c.id, c.state, c.transcript.map((m) => m.text)])).toEqual([[conversation.id, ConversationState.Abandoned, ['Anyone there?']]]);
    // Sent again (the answer was lost): one request, one ticket — the message joins the first one.
    const second = ok(await api('/shopper/offline-message', s.token, { body: message({ conversationId: conversation.id }) }), TicketLink);
    expect(second.ticketId).toBe(link.ticketId);
    expect((await stack.server.db('conversations').where({ id: conversation.id }).first('ticket_id')).ticket_id).toBe(link.ticketId);
    expect(ok(await api(`/tickets/${link.ticketId}`, sam.token), TicketView).entries.filter((e) => e.kind === TicketEntryKind.Message)).toHaveLength(2);
  });

  it('refuses what is not well-formed, without a token, and conversations that are not the shopper’s or were answered', async () => {
    const s = await shopperSession(stack.url);
    const bad: [Record<string, unknown>, string][] = [
      [{ email: 'a@b.test', text: 'x' }, 'name'],
      [message({ name: '   ' }), 'name'],
      [message({ name: 'n'.repeat(121) }), 'name'],
      [message({ email: 'not-an-email' }), 'email'],
      [message({ email: `${'a'.repeat(250)}@b.test` }), 'email'],
      [message({ text: '' }), 'text'],
      [message({ text: 't'.repeat(4001) }), 'text'],
      [message({ issueType: 'refund_now' }), 'issueType'],
      [message({ conversationId: 'nope' }), 'conversationId'],
      [message({ admin: true }), ''],
    ];
    for (const [body, field] of bad) {
      const res = await api('/shopper/offline-message', s.token, { body });
      expectError(res, 400, ErrorCode.BadRequest);
      expect((res.json as { error: { message: string } }).error.message).toContain(field);
    }
    expectError(await api('/shopper/offline-message', s.token, { rawBody: '{"name":', headers: { 'content-type': 'application/json' } }), 400, ErrorCode.BadRequest);
    expectError(await api('/shopper/offline-message', null, { body: message() }), 401, ErrorCode.Unauthorized);
    expectError(await api('/shopper/offline-message', (await login(stack.url, DEMO.sam)).token, { body: message() }), 403, ErrorCode.Forbidden);
    expectError(await api('/shopper/offline-message', s.token, { body: message({ conversationId: '00000000-0000-4000-8000-000000000000' }) }), 404, ErrorCode.ConversationNotFound);

    // Another shopper's request: looks unknown, and goes on untouched.
    const other = await shopperSession(stack.url);
    const otherRt = track(await openRealtime(stack, other.token));
    const theirs = (await startConversation(otherRt, startMessage({ channel: MediaKind.Chat }))).conversation.id;
    expectError(await api('/shopper/offline-message', s.token, { body: message({ conversationId: theirs }) }), 404, ErrorCode.ConversationNotFound);
    expect(stack.server.conversations.core.live.get(theirs)?.state).toBe(ConversationState.Queued);

    // Answered by an agent: the conversation goes on there; nothing is ended and no ticket is left.
    const alice = await agentConsole(stack, DEMO.alice, undefined, track);
    await acceptOffer(alice, theirs);
    const before = await stack.server.db('tickets').count({ n: '*' });
    expectError(await api('/shopper/offline-message', other.token, { body: message({ conversationId: theirs }) }), 409, ErrorCode.InvalidTransition);
    expect(stack.server.conversations.core.live.get(theirs)?.state).toBe(ConversationState.Active);
    expect(await stack.server.db('tickets').count({ n: '*' })).toEqual(before);
    // Nothing above was a ticket: no message was stored.
    expect(await stack.server.db('tickets').where({ shopper_id: s.shopperId }).count({ n: '*' })).toEqual([{ n: 0 }]);
    otherRt.send({ type: 'conversation.end', conversationId: theirs });
    await otherRt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
  });

  it('budgets: 3 messages per session in 10 minutes, 10 per address an hour (429 with Retry-After)', async () => {
    const s = await shopperSession(stack.url);
    for (let i = 0; i < 3; i++) ok(await api('/shopper/offline-message', s.token, { body: message({ text: `message ${i}` }) }), TicketLink);
    const limited = await api('/shopper/offline-message', s.token, { body: message() });
    expectError(limited, 429, ErrorCode.RateLimited);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Seven more from other sessions at the same address, then the address is spent.
    for (let i = 0; i < 7; i++) ok(await api('/shopper/offline-message', (await shopperSession(stack.url)).token, { body: message({ text: `from another tab ${i}` }) }), TicketLink);
    expectError(await api('/shopper/offline-message', (await shopperSession(stack.url)).token, { body: message() }), 429, ErrorCode.RateLimited);
    // Another address is not.
    from = '198.51.100.250';
    ok(await api('/shopper/offline-message', (await shopperSession(stack.url)).token, { body: message() }), TicketLink);
  });
});
