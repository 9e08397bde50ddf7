/**
 * Customer 360 on a real server and the real demo shop: the agent in a conversation sees the
 * customer, their latest orders from the shop, and their earlier conversations here with the
 * agents, ticket and rating; an agent not in it sees nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConversationState, CustomerHistory, ErrorCode, MediaKind, TicketStatus } from '../../protocol/index';
import { acceptOffer, agentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { bearer, DEMO, httpRequest, login, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

let stack: Stack;
const sockets: RealtimeClient[] = [];
const track = (rt: RealtimeClient) => void sockets.push(rt);

beforeAll(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((c) => c.close()));
  await waitFor(() => (stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'no live conversations left', 5000);
});
afterAll(async () => stack?.close());

const get = (path: string, token: string) => httpRequest(`${stack.url}/api${path}`, { headers: bearer(token) });

describe('customer 360', () => {
  it('shows the customer, their orders and earlier conversations to the agent in the conversation only', async () => {
    const alice = await agentConsole(stack, DEMO.alice, undefined, track);
    const bob = await agentConsole(stack, DEMO.bob, 'away' as never, track);
    // An earlier conversation of customer 3 (Chen): answered, rated 5, its ticket resolved.
    const s1 = await shopperSession(stack.url, { customerId: 3 });
    const rt1 = await openRealtime(stack, s1.token);
    track(rt1);
    const first = (await startConversation(rt1, startMessage({ channel: MediaKind.Chat }))).conversation.id;
    await acceptOffer(alice, first);
    const ticket = (await get(`/conversations/${first}/ticket`, alice.token)).json as { id: number; version: number };
    await httpRequest(`${stack.url}/api/tickets/${ticket.id}`, { method: 'PATCH', headers: bearer(alice.token), body: { version: ticket.version, status: TicketStatus.Resolved } });
    rt1.send({ type: 'conversation.end', conversationId: first });
    await rt1.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
    expect((await httpRequest(`${stack.url}/api/shopper/conversations/${first}/rating`, { headers: bearer(s1.token), body: { score: 5 } })).status).toBe(204);

    // Chen again, from another page load.
    const s2 = await shopperSession(stack.url, { customerId: 3 });
    const rt2 = await openRealtime(stack, s2.token);
    track(rt2);
    const second = (await startConversation(rt2, startMessage({ channel: MediaKind.Chat }))).conversation.id;
    await acceptOffer(alice, second);
    const res = await get(`/conversations/${second}/customer`, alice.token);
    const h = CustomerHistory.parse(res.json);
    expect(h.customer).toMatchObject({ id: 3 });
    expect(h.shopUnavailable).toBe(false);
    expect(h.orders.map((o) => o.id)).toEqual([1008, 1004]);
    expect(h.conversations).toEqual([
      expect.objectContaining({ id: first, channel: MediaKind.Chat, state: ConversationState.Closed, agents: ['Alice Martin'], ticket: { id: ticket.id, status: TicketStatus.Resolved }, rating: 5 }),
    ]);
    // Bob is not in it; a supervisor may look.
    const refused = await get(`/conversations/${second}/customer`, bob.token);
    expect([refused.status, (refused.json as { error: { code: string } }).error.code]).toEqual([404, ErrorCode.ConversationNotFound]);
    const sam = await login(stack.url, DEMO.sam);
    expect(CustomerHistory.parse((await get(`/conversations/${second}/customer`, sam.token)).json).conversations).toHaveLength(1);
    expect((await get(`/conversations/${second}/customer`, s2.token)).status).toBe(403);
    rt2.send({ type: 'conversation.end', conversationId: second });
  });
});
