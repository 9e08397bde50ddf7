/**
 * Callback on a real server: a waiting shopper asks to be called back; the agent who takes it is
 * told so on the ring; a shopper who leaves before an agent is free leaves a ticket (source
 * callback) instead of nothing. Only the waiting shopper can ask.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationState, ErrorCode, MediaKind, Presence, TicketList, TicketSource } from '../../protocol/index';
import { agentConsole, setPresence } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { bearer, DEMO, httpRequest, login, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

let stack: Stack;
const sockets: RealtimeClient[] = [];

beforeAll(async () => {
  stack = await startStack({ env: { RECONNECT_GRACE_MS: '300' } });
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await stack?.close();
});

async function waiting(customerId: number) {
  const s = await shopperSession(stack.url, { customerId });
  const rt = await openRealtime(stack, s.token);
  sockets.push(rt);
  const sync = await startConversation(rt, startMessage({ channel: MediaKind.Voice }));
  return { rt, id: sync.conversation.id };
}

describe('callback', () => {
  it('the ring says "call back"; a shopper gone before an agent was free leaves a ticket', async () => {
    const alice = await agentConsole(stack, DEMO.alice, Presence.Away, (rt) => sockets.push(rt));
    const bob = await agentConsole(stack, DEMO.bob, Presence.Away, (rt) => sockets.push(rt));
    const one = await waiting(1);
    one.rt.send({ type: 'conversation.callback', conversationId: one.id });
    const marked = await one.rt.next('conversation.update', { where: (m) => m.conversation.callbackAt !== null });
    expect(marked.conversation.state).toBe(ConversationState.Queued);
    // Only the waiting shopper asks; an agent cannot.
    alice.rt.send({ type: 'conversation.callback', conversationId: one.id });
    expect((await alice.rt.next('error', { where: (m) => m.conversationId === one.id })).code).toBe(ErrorCode.Forbidden);

    await setPresence(alice, Presence.Available);
    const offer = await alice.rt.next('offer', { where: (m) => m.conversationId === one.id });
    expect(offer.callback).toBe(true);
    alice.rt.send({ type: 'offer.accept', conversationId: one.id });
    await one.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Active });
    // Not waiting any more: no callback to ask for.
    one.rt.send({ type: 'conversation.callback', conversationId: one.id });
    expect((await one.rt.next('error', { where: (m) => m.conversationId === one.id })).code).toBe(ErrorCode.InvalidTransition);
    one.rt.send({ type: 'conversation.end', conversationId: one.id });
    await setPresence(alice, Presence.Away);

    // Customer 2 asks for a callback and closes the page before anyone is free.
    const two = await waiting(2);
    two.rt.send({ type: 'conversation.callback', conversationId: two.id });
    await two.rt.next('conversation.update', { where: (m) => m.conversation.callbackAt !== null });
    await two.rt.close();
    const row = await waitFor(async () => {
      const r = await stack.server.db('conversations').where({ id: two.id }).first();
      return r.ticket_id ? r : null;
    }, 'the callback became a ticket');
    expect(row.state).toBe(ConversationState.Abandoned);
    const sam = await login(stack.url, DEMO.sam);
    const list = TicketList.parse((await httpRequest(`${stack.url}/api/tickets`, { headers: bearer(sam.token) })).json);
    expect(list.tickets.find((t) => t.id === row.ticket_id)).toMatchObject({ source: TicketSource.Callback, conversations: 1 });
    void bob;
  });
});

describe('callback withdrawn', () => {
  it('a shopper who cancels, or leaves a message instead, leaves no callback ticket (one ticket for the message)', async () => {
    const alice = await agentConsole(stack, DEMO.alice, Presence.Away, (rt) => sockets.push(rt));
    void alice;
    const three = await waiting(3);
    three.rt.send({ type: 'conversation.callback', conversationId: three.id });
    await three.rt.next('conversation.update', { where: (m) => m.conversation.callbackAt !== null });
    three.rt.send({ type: 'conversation.end', conversationId: three.id });
    await three.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
    const s = await shopperSession(stack.url, { customerId: 4 });
    const rt = await openRealtime(stack, s.token);
    sockets.push(rt);
    const four = (await startConversation(rt, startMessage({ channel: MediaKind.Chat }))).conversation.id;
    rt.send({ type: 'conversation.callback', conversationId: four });
    await rt.next('conversation.update', { where: (m) => m.conversation.callbackAt !== null });
    const left = await httpRequest(`${stack.url}/api/shopper/offline-message`, {
      headers: { ...bearer(s.token), origin: 'http://shop.test' },
      body: { name: 'Dana', email: 'dana@example.com', text: 'Please call me tomorrow.', issueType: 'order', conversationId: four },
    });
    expect(left.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const rows = await stack.server.db('conversations').whereIn('id', [three.id, four]).select('id', 'ticket_id', 'callback_at');
    expect(rows.find((r) => r.id === three.id)).toMatchObject({ ticket_id: null, callback_at: null });
    const tickets = await stack.server.db('tickets').where({ customer_id: 4 });
    expect(tickets.map((t) => t.source)).toEqual([TicketSource.Offline]);
    expect(rows.find((r) => r.id === four)!.ticket_id).toBe(tickets[0]!.id);
  });
});
