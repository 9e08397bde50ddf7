/**
 * The KPI report (`GET /api/stats/kpis`) on a real server with real sockets and SQLite: shoppers
 * start conversations that agents answer and end, one shopper leaves while it rings, agents resolve
 * tickets (one with a single conversation, one the customer came back to), shoppers rate. The
 * figures must be exactly those of what happened; moving stored times shows the period's bounds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConversationState, ErrorCode, IssueType, KPI_GOALS, KpiReport, MediaKind, TicketStatus, TicketView } from '../../protocol/index';
import { acceptOffer, agentConsole, type AgentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { bearer, DEMO, httpRequest, login, shopperSession, startStack, waitFor, type HttpResult, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

let stack: Stack;
const sockets: RealtimeClient[] = [];
const track = (rt: RealtimeClient) => void sockets.push(rt);

beforeAll(async () => {
  stack = await startStack({ env: { WRAP_UP_MS: '0' } });
});
afterEach(async () => {
  for (const c of sockets) expect(c.invalid, 'frames that are not valid ServerMessages').toEqual([]);
  await Promise.all(sockets.splice(0).map((c) => c.close()));
});
afterAll(async () => stack?.close());

const api = (path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<HttpResult> =>
  httpRequest(`${stack.url}/api${path}`, { ...init, headers: bearer(token) });

function ok<T>(res: HttpResult, schema: { parse(v: unknown): T }): T {
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text}`);
  return schema.parse(res.json);
}

function expectError(res: HttpResult, status: number, code: ErrorCode): void {
  expect({ status: res.status, code: (res.json as { error?: { code?: string } } | null)?.error?.code }).toEqual({ status, code });
}

async function shopper(customerId?: number) {
  const s = await shopperSession(stack.url, customerId === undefined ? {} : { customerId });
  const rt = await openRealtime(stack, s.token);
  track(rt);
  return { token: s.token, rt };
}

/** A conversation the agent answers and the shopper then ends. */
async function handled(agent: AgentConsole, customerId?: number): Promise<{ id: string; token: string }> {
  const s = await shopper(customerId);
  const sync = await startConversation(s.rt, startMessage({ channel: MediaKind.Chat, issueType: IssueType.AfterSales, productId: 103 }));
  const id = sync.conversation.id;
  await acceptOffer(agent, id);
  s.rt.send({ type: 'conversation.end', conversationId: id });
  await s.rt.next('conversation.update', { where: (m) => m.conversation.id === id && m.conversation.state === ConversationState.Closed });
  return { id, token: s.token };
}

async function rate(c: { id: string; token: string }, score: number): Promise<void> {
  expect((await api(`/shopper/conversations/${c.id}/rating`, c.token, { body: { score } })).status).toBe(204);
}

async function resolve(agent: AgentConsole, conversationId: string): Promise<number> {
  const t = ok(await api(`/conversations/${conversationId}/ticket`, agent.token), TicketView);
  ok(await api(`/tickets/${t.id}`, agent.token, { method: 'PATCH', body: { version: t.version, status: TicketStatus.Resolved } }), TicketView);
  return t.id;
}

/** Sets a conversation's stored times: answered `handleMs` before it ended, ended `agoMs` before now. */
async function retime(id: string, handleMs: number, agoMs: number): Promise<void> {
  const ended = Date.now() - agoMs;
  await stack.server.db('conversations').where({ id }).update({ answered_at: new Date(ended - handleMs).toISOString(), ended_at: new Date(ended).toISOString() });
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('GET /api/stats/kpis', () => {
  it('counts answered and abandoned conversations, handle time, first-contact resolution and ratings, overall and per agent', async () => {
    const sam = await login(stack.url, DEMO.sam);
    const empty = ok(await api('/stats/kpis', sam.token), KpiReport);
    expect(empty.overall).toEqual({ conversations: 0, abandoned: 0, ahtMs: null, fcr: null, resolved: 0, csat: null, ratings: 0, distribution: [0, 0, 0, 0, 0] });
    expect(empty.agents).toEqual([]);
    expect(empty.goals).toEqual({ fcr: 0.85, ahtMs: 180_000 });
    expect(Date.parse(empty.to) - Date.parse(empty.from)).toBe(7 * DAY);

    // Alice: customer 1 once (resolved: first contact), customer 2 twice on one ticket (resolved: not first contact).
    const alice = await agentConsole(stack, DEMO.alice, undefined, track);
    const c1 = await handled(alice, 1);
    await rate(c1, 5);
    await resolve(alice, c1.id);
    const c2 = await handled(alice, 2);
    await rate(c2, 3);
    const c3 = await handled(alice, 2);
    const t2 = await resolve(alice, c3.id);
    expect(Number((await stack.server.db('conversations').where({ id: c2.id }).first('ticket_id')).ticket_id)).toBe(t2);

    // A guest leaves while Alice's console rings: abandoned.
    const leaving = await shopper();
    const sync = await startConversation(leaving.rt, startMessage({ channel: MediaKind.Chat, issueType: IssueType.AfterSales }));
    await alice.rt.next('offer', { where: (m) => m.conversationId === sync.conversation.id });
    leaving.rt.send({ type: 'conversation.end', conversationId: sync.conversation.id });
    await leaving.rt.next('conversation.update', { where: (m) => m.conversation.id === sync.conversation.id && m.conversation.state === ConversationState.Abandoned });
    await alice.rt.close();

    // Bob: a guest's conversation, rated 4, its ticket left open.
    const bob = await agentConsole(stack, DEMO.bob, undefined, track);
    const c4 = await handled(bob, undefined);
    await rate(c4, 4);
    await waitFor(() => (stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'no live conversations left');

    // The handle times as stored: the mean is exactly theirs.
    const rows: { answered_at: string; ended_at: string }[] = await stack.server.db('conversations').whereIn('id', [c1.id, c2.id, c3.id, c4.id]).select('answered_at', 'ended_at');
    const handle = rows.map((r) => Date.parse(r.ended_at) - Date.parse(r.answered_at));
    const report = ok(await api('/stats/kpis?days=7', sam.token), KpiReport);
    expect(report.overall).toEqual({
      conversations: 4, abandoned: 1, ahtMs: handle.reduce((a, b) => a + b, 0) / 4, fcr: 0.5, resolved: 2, csat: 4, ratings: 3, distribution: [0, 0, 1, 1, 1],
    });
    expect(report.agents.map((a) => [a.name, a.agentId])).toEqual([['Alice Martin', alice.id], ['Bob Chen', bob.id]]);
    expect(report.agents[0]).toMatchObject({ conversations: 3, abandoned: 0, fcr: 0.5, resolved: 2, csat: 4, ratings: 2, distribution: [0, 0, 1, 0, 1] });
    expect(report.agents[1]).toMatchObject({ conversations: 1, abandoned: 0, fcr: null, resolved: 0, csat: 4, ratings: 1, distribution: [0, 0, 0, 1, 0] });

    // Known handle times (1, 2, 3 and 5 minutes), and Bob's conversation moved to three days ago.
    await retime(c1.id, 60_000, HOUR);
    await retime(c2.id, 120_000, HOUR);
    await retime(c3.id, 180_000, HOUR);
    await retime(c4.id, 300_000, 3 * DAY);
    const week = ok(await api('/stats/kpis?days=7', sam.token), KpiReport);
    expect(week.overall).toMatchObject({ conversations: 4, ahtMs: 165_000 });
    expect(week.agents.map((a) => [a.name, a.conversations, a.ahtMs])).toEqual([['Alice Martin', 3, 120_000], ['Bob Chen', 1, 300_000]]);
    const day = ok(await api('/stats/kpis?days=1', sam.token), KpiReport);
    expect(Date.parse(day.to) - Date.parse(day.from)).toBe(DAY);
    expect(day.overall).toMatchObject({ conversations: 3, abandoned: 1, ahtMs: 120_000, resolved: 2, fcr: 0.5, ratings: 3 });
    // Bob's rating was given today: he is still listed, with no conversation of the day.
    expect(day.agents.find((a) => a.agentId === bob.id)).toMatchObject({ conversations: 0, ahtMs: null, ratings: 1, csat: 4 });
    // The goal is the product owner's: 2 of 2 is above it, 1 of 2 below.
    expect(day.overall.fcr! < KPI_GOALS.fcr).toBe(true);
    expect(day.overall.ahtMs! <= KPI_GOALS.ahtMs).toBe(true);

    // A ticket reopened is no longer resolved; resolved long ago, not in the period.
    await stack.server.db('tickets').where({ id: t2 }).update({ resolved_at: new Date(Date.now() - 10 * DAY).toISOString() });
    expect(ok(await api('/stats/kpis?days=7', sam.token), KpiReport).overall).toMatchObject({ resolved: 1, fcr: 1 });
    expect(ok(await api('/stats/kpis?days=30', sam.token), KpiReport).overall).toMatchObject({ resolved: 2, fcr: 0.5 });
  });

  it('is for supervisors and admins: agents are refused, nobody must sign in; days is 1 to 90', async () => {
    const sam = await login(stack.url, DEMO.sam);
    const ada = await login(stack.url, { email: 'ada@counterpart.test', password: 'ada-demo-pass' });
    const alice = await login(stack.url, DEMO.alice);
    expect((await api('/stats/kpis?days=90', ada.token)).status).toBe(200);
    expect((await api('/stats/kpis?days=1', sam.token)).status).toBe(200);
    expectError(await api('/stats/kpis', alice.token), 403, ErrorCode.Forbidden);
    expectError(await httpRequest(`${stack.url}/api/stats/kpis`), 401, ErrorCode.Unauthorized);
    for (const q of ['0', '91', '-1', '7.5', 'abc', '', '1e1', '007', '%E2%80%8B7', '7&days=8'])
      expectError(await api(`/stats/kpis?days=${q}`, sam.token), 400, ErrorCode.BadRequest);
  });
});
