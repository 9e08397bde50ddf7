/**
 * Tickets on a real server with real sockets and the real demo shop: an answered conversation
 * opens a ticket (or joins the customer's unresolved one); its agent edits it against the version
 * read, links the customer's order, adds notes and resolves it, which ends their wrap-up; the
 * shopper gets a signed link to follow it, add a message or a file, and rates the conversation once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentState,
  ConversationState,
  ErrorCode,
  IssueType,
  MediaKind,
  ShopperTicketView,
  TicketEntryKind,
  TicketLink,
  TicketList,
  TicketStatus,
  TicketView,
} from '../../protocol/index';
import { acceptOffer, agentConsole, type AgentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { bearer, DEMO, httpRequest, login, shopperSession, startStack, waitFor, type HttpResult, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

let stack: Stack;
const sockets: RealtimeClient[] = [];
const track = (rt: RealtimeClient) => void sockets.push(rt);

beforeAll(async () => {
  stack = await startStack({ env: { WRAP_UP_MS: '600000' } });
});
afterEach(async () => {
  for (const c of sockets) expect(c.invalid, 'frames that are not valid ServerMessages').toEqual([]);
  await Promise.all(sockets.splice(0).map((c) => c.close()));
  await waitFor(() => (stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'no live conversations left', 5000);
  await stack.server.db('agent_status').update({ wrapup_until: null });
  for (const a of stack.server.conversations.core.agents.values()) await stack.server.conversations.core.reloadAgent(a.id);
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

/** A shopper (a vouched customer, or a guest) in a conversation the agent has taken. */
async function answered(agent: AgentConsole, opts: { customerId?: number; issueType?: IssueType } = {}) {
  const s = await shopperSession(stack.url, opts.customerId === undefined ? {} : { customerId: opts.customerId });
  const rt = await openRealtime(stack, s.token);
  track(rt);
  const sync = await startConversation(rt, startMessage({ channel: MediaKind.Chat, issueType: opts.issueType ?? IssueType.AfterSales, productId: 103 }));
  await acceptOffer(agent, sync.conversation.id);
  return { token: s.token, rt, id: sync.conversation.id };
}

async function end(rt: RealtimeClient, id: string): Promise<void> {
  rt.send({ type: 'conversation.end', conversationId: id });
  await rt.next('conversation.update', { where: (m) => m.conversation.id === id && m.conversation.state === ConversationState.Closed });
}

describe('a conversation and its ticket', () => {
  it('opens a ticket its agent edits, links the customer’s order to, notes and resolves — which ends wrap-up', async () => {
    const alice = await agentConsole(stack, DEMO.alice, undefined, track);
    const bob = await agentConsole(stack, DEMO.bob, undefined, track);
    const sam = await login(stack.url, DEMO.sam);
    // Bob is the one ringing if he is the longest idle: make alice that, for a known agent.
    await stack.server.db('agent_status').where({ user_id: bob.id }).update({ idle_since: Date.now() + 1000 });
    await stack.server.conversations.core.reloadAgent(bob.id);
    const shopper = await answered(alice, { customerId: 1 });
    shopper.rt.send({ type: 'chat.send', conversationId: shopper.id, clientId: 'ticket-msg-0001', text: 'The board arrived cracked.' });
    await alice.rt.next('chat.message', { where: (m) => m.message.text === 'The board arrived cracked.' });

    let t = ok(await api(`/conversations/${shopper.id}/ticket`, alice.token), TicketView);
    expect(t).toMatchObject({ status: TicketStatus.Open, issueType: IssueType.AfterSales, source: 'conversation', customer: { id: 1, name: expect.any(String), email: expect.stringContaining('@') }, assignee: { id: alice.id } });
    // The same ticket every time; bob took no part, so it does not exist for him.
    expect(ok(await api(`/conversations/${shopper.id}/ticket`, alice.token), TicketView).id).toBe(t.id);
    expectError(await api(`/conversations/${shopper.id}/ticket`, bob.token), 404, ErrorCode.ConversationNotFound);
    expectError(await api(`/tickets/${t.id}`, bob.token), 404, ErrorCode.NotFound);

    // The linked order must exist and be this customer's (1010 is customer 1's, 1009 customer 2's).
    expectError(await api(`/tickets/${t.id}`, alice.token, { method: 'PATCH', body: { version: t.version, orderId: 1009 } }), 400, ErrorCode.BadRequest);
    expectError(await api(`/tickets/${t.id}`, alice.token, { method: 'PATCH', body: { version: t.version, orderId: 99999 } }), 400, ErrorCode.BadRequest);
    t = ok(await api(`/tickets/${t.id}`, alice.token, { method: 'PATCH', body: { version: t.version, orderId: 1010, status: TicketStatus.Pending } }), TicketView);
    expect(t).toMatchObject({ orderId: 1010, status: TicketStatus.Pending });
    // An edit against a version someone else has moved past is refused, not merged.
    expectError(await api(`/tickets/${t.id}`, alice.token, { method: 'PATCH', body: { version: t.version - 1, resolution: 'x' } }), 409, ErrorCode.Conflict);
    t = ok(await api(`/tickets/${t.id}/notes`, alice.token, { body: { body: 'Customer sent a photo; replacement approved.' } }), TicketView);
    expect(t.entries.map((e) => [e.kind, e.body])).toEqual([
      [TicketEntryKind.Status, TicketStatus.Pending],
      [TicketEntryKind.Note, 'Customer sent a photo; replacement approved.'],
    ]);

    await end(alice.rt, shopper.id);
    await alice.rt.next('agent.self', { where: (m) => m.state === AgentState.WrapUp });
    t = ok(await api(`/tickets/${t.id}`, alice.token, { method: 'PATCH', body: { version: t.version, status: TicketStatus.Resolved, resolution: 'Replacement shipped.' } }), TicketView);
    expect(t).toMatchObject({ status: TicketStatus.Resolved, resolution: 'Replacement shipped.', resolvedAt: expect.any(String) });
    // Resolving ended her wrap-up: she is available for the next request at once.
    await alice.rt.next('agent.self', { where: (m) => m.state === AgentState.Available && m.wrapUpUntil === null });
    expect((await stack.server.db('agent_status').where({ user_id: alice.id }).first('wrapup_until')).wrapup_until).toBeNull();

    // Everything is on the ticket: the conversation with its agent and transcript; the supervisor sees it all.
    const full = ok(await api(`/tickets/${t.id}`, sam.token), TicketView);
    expect(full.conversations).toHaveLength(1);
    expect(full.conversations[0]).toMatchObject({ id: shopper.id, channel: MediaKind.Chat, state: ConversationState.Closed, agents: [{ id: alice.id }], rating: null });
    expect(full.conversations[0]!.transcript.map((m) => m.text)).toContain('The board arrived cracked.');
    expect(ok(await api('/tickets?status=resolved', sam.token), TicketList).tickets.map((x) => x.id)).toContain(t.id);
    // An agent's list is their own tickets.
    expect(ok(await api('/tickets', bob.token), TicketList).tickets.map((x) => x.id)).not.toContain(t.id);
    expectError(await api('/tickets?status=closed', sam.token), 400, ErrorCode.BadRequest);
  });

  it('gives the shopper a signed link to follow the ticket, add a message or file, and rate once', async () => {
    const alice = await agentConsole(stack, DEMO.alice, undefined, track);
    const shopper = await answered(alice, { customerId: 2, issueType: IssueType.Order });
    // No rating while the conversation is going on.
    expectError(await api(`/shopper/conversations/${shopper.id}/rating`, shopper.token, { body: { score: 5 } }), 409, ErrorCode.InvalidTransition);
    const link = ok(await api(`/shopper/conversations/${shopper.id}/ticket-link`, shopper.token, { method: 'POST' }), TicketLink);
    expect(link.url.startsWith(`${stack.url}/ticket/#`)).toBe(true);
    expect(link.url.endsWith(link.token)).toBe(true);
    const staffView = ok(await api(`/conversations/${shopper.id}/ticket`, alice.token), TicketView);
    expect(staffView.id).toBe(link.ticketId);
    await api(`/tickets/${link.ticketId}/notes`, alice.token, { body: { body: 'INTERNAL: check the warehouse' } });
    await end(shopper.rt, shopper.id);

    const view = ok(await api('/public/ticket', link.token), ShopperTicketView);
    expect(view).toMatchObject({ id: link.ticketId, status: TicketStatus.Open, issueType: IssueType.Order });
    // Agents' notes are not for the shopper.
    expect(JSON.stringify(view)).not.toContain('INTERNAL');
    expect(view.conversations).toEqual([expect.objectContaining({ id: shopper.id, canRate: true, rating: null })]);

    const rated = await api(`/shopper/conversations/${shopper.id}/rating`, shopper.token, { body: { score: 4, comment: 'Quick and kind.' } });
    expect(rated.status).toBe(204);
    expectError(await api(`/shopper/conversations/${shopper.id}/rating`, shopper.token, { body: { score: 1 } }), 409, ErrorCode.Conflict);
    expectError(await api('/public/ticket/rating', link.token, { body: { conversationId: shopper.id, score: 1 } }), 409, ErrorCode.Conflict);
    const after = ok(await api('/public/ticket', link.token), ShopperTicketView);
    expect(after.conversations[0]).toMatchObject({ canRate: false, rating: { score: 4, comment: 'Quick and kind.' } });
    const rating = await stack.server.db('ratings').where({ conversation_id: shopper.id }).first();
    expect(rating).toMatchObject({ score: 4, agent_id: alice.id, ticket_id: link.ticketId });

    // Resolved, then the shopper writes again: it reopens, and the message is on the ticket.
    const cur = ok(await api(`/tickets/${link.ticketId}`, alice.token), TicketView);
    await api(`/tickets/${link.ticketId}`, alice.token, { method: 'PATCH', body: { version: cur.version, status: TicketStatus.Resolved } });
    const reopened = ok(await api('/public/ticket/messages', link.token, { body: { body: 'It still has not arrived.' } }), ShopperTicketView);
    expect(reopened.status).toBe(TicketStatus.Open);
    expect(reopened.entries.filter((e) => e.kind === TicketEntryKind.Message).map((e) => e.body)).toEqual(['It still has not arrived.']);

    // A file, then read back by the link's holder and by staff.
    const up = await httpRequest(`${stack.url}/api/public/ticket/files?name=receipt.txt`, {
      method: 'POST', headers: { ...bearer(link.token), 'content-type': 'text/plain' }, rawBody: 'Order 1009, paid 12 May.',
    });
    const withFile = ok(up, ShopperTicketView);
    const file = withFile.entries.find((e) => e.kind === TicketEntryKind.File)!.file!;
    expect(file).toMatchObject({ name: 'receipt.txt', type: 'text/plain', size: 24 });
    expect((await api(`/public/ticket/files/${file.id}`, link.token)).text).toBe('Order 1009, paid 12 May.');
    expect((await api(`/ticket-files/${file.id}`, alice.token)).status).toBe(200);
  });

  it('joins the customer’s unresolved ticket; a guest’s conversation opens its own; a link opens only its ticket', async () => {
    const alice = await agentConsole(stack, DEMO.alice, undefined, track);
    const first = await answered(alice, { customerId: 3 });
    // Opened as it is answered, before anyone asks for it.
    const opened = await waitFor(async () => (await stack.server.db('conversations').where({ id: first.id }).first('ticket_id')).ticket_id ?? null, 'ticket opened on answer');
    const a = ok(await api(`/conversations/${first.id}/ticket`, alice.token), TicketView);
    await end(first.rt, first.id);
    await stack.server.db('agent_status').update({ wrapup_until: null });
    await stack.server.conversations.core.reloadAgent(alice.id);
    const second = await answered(alice, { customerId: 3 });
    const b = ok(await api(`/conversations/${second.id}/ticket`, alice.token), TicketView);
    expect([a.id, b.id]).toEqual([opened, opened]);
    expect(b.conversations.map((c) => c.id)).toEqual([first.id, second.id]);
    await end(second.rt, second.id);
    await stack.server.db('agent_status').update({ wrapup_until: null });
    await stack.server.conversations.core.reloadAgent(alice.id);

    const guest = await answered(alice);
    const g = ok(await api(`/conversations/${guest.id}/ticket`, alice.token), TicketView);
    expect(g.id).not.toBe(a.id);
    const guestLink = ok(await api(`/shopper/conversations/${guest.id}/ticket-link`, guest.token, { method: 'POST' }), TicketLink);
    // The guest's session cannot reach the customer's conversations; its link opens its own ticket only.
    expectError(await api(`/shopper/conversations/${first.id}/ticket-link`, guest.token, { method: 'POST' }), 404, ErrorCode.ConversationNotFound);
    expectError(await api(`/shopper/conversations/${first.id}/rating`, guest.token, { body: { score: 5 } }), 404, ErrorCode.ConversationNotFound);
    expect(ok(await api('/public/ticket', guestLink.token), ShopperTicketView).id).toBe(g.id);
    expectError(await api('/public/ticket/rating', guestLink.token, { body: { conversationId: first.id, score: 5 } }), 404, ErrorCode.ConversationNotFound);
    // A forged link (another ticket's number under the same signature) opens nothing.
    const [h, p, sig] = guestLink.token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: String(a.id) })).toString('base64url');
    expectError(await api('/public/ticket', `${h}.${forged}.${sig}`), 401, ErrorCode.Unauthorized);
    // A session token is not a ticket link, and a ticket link is not a session.
    expectError(await api('/public/ticket', guest.token), 401, ErrorCode.Unauthorized);
    expectError(await api(`/tickets/${g.id}`, guestLink.token), 401, ErrorCode.Unauthorized);
    await end(guest.rt, guest.id);
  });
});
