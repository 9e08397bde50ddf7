/**
 * Transfer on a real server with real sockets: an agent hands a conversation on to another agent
 * (with a note the next agent sees on the ring and on the ticket) or to an issue type's queue;
 * the shopper keeps the same conversation and its chat; the agent who handed it on is not offered
 * it again for a while; a directed transfer the agent does not take goes to the queue.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConversationState, ErrorCode, IssueType, MediaKind, ParticipantState, TicketEntryKind, TicketView } from '../../protocol/index';
import { acceptOffer, agentConsole, type AgentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { bearer, DEMO, httpRequest, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

let stack: Stack;
const sockets: RealtimeClient[] = [];
const track = (rt: RealtimeClient) => void sockets.push(rt);

beforeAll(async () => {
  stack = await startStack({ env: { RING_RETRY_AFTER_MS: '1500' } });
});
afterEach(async () => {
  for (const c of sockets) expect(c.invalid, 'frames that are not valid ServerMessages').toEqual([]);
  await Promise.all(sockets.splice(0).map((c) => c.close()));
  await waitFor(() => (stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'no live conversations left', 5000);
});
afterAll(async () => stack?.close());

async function agents(): Promise<{ alice: AgentConsole; bob: AgentConsole }> {
  const alice = await agentConsole(stack, DEMO.alice, undefined, track);
  const bob = await agentConsole(stack, DEMO.bob, undefined, track);
  return { alice, bob };
}

/** A customer's conversation taken by `agent` (the other agent is away while it is offered). */
async function takenBy(agent: AgentConsole, other: AgentConsole, channel = MediaKind.Chat) {
  other.rt.send({ type: 'presence.set', presence: 'away' as never });
  await other.rt.next('agent.self', { where: (m) => m.presence === 'away' });
  const s = await shopperSession(stack.url, { customerId: 1 });
  const rt = await openRealtime(stack, s.token);
  track(rt);
  const sync = await startConversation(rt, startMessage({ channel, issueType: IssueType.Order }));
  const id = sync.conversation.id;
  rt.send({ type: 'chat.send', conversationId: id, clientId: 'said-once-0001', text: 'My order 1010 has the wrong lamp.' });
  await acceptOffer(agent, id);
  other.rt.send({ type: 'presence.set', presence: 'available' as never });
  await other.rt.next('agent.self', { where: (m) => m.presence === 'available' });
  return { rt, token: s.token, id };
}

const errorOf = (rt: RealtimeClient, id: string) => rt.next('error', { where: (m) => m.conversationId === id });

describe('transfer', () => {
  it('to an agent: the note rides on the ring and the ticket, the shopper keeps the conversation and its chat', async () => {
    const { alice, bob } = await agents();
    const shopper = await takenBy(alice, bob);
    const ticketBefore = TicketView.parse((await httpRequest(`${stack.url}/api/conversations/${shopper.id}/ticket`, { headers: bearer(alice.token) })).json);

    alice.rt.send({ type: 'conversation.transfer', conversationId: shopper.id, to: { agentId: bob.id }, note: 'Wrong item shipped; needs an exchange.' });
    // The shopper sees it queued again, already answered once: "transferring".
    const queued = await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Queued && m.conversation.answeredAt !== null });
    expect(queued.conversation.answeredAt).not.toBeNull();
    // Alice has left it (and is told so).
    const left = await alice.rt.next('conversation.update', { where: (m) => m.conversation.id === shopper.id && m.conversation.state === ConversationState.Queued });
    expect(left.conversation.participants.find((p) => p.party.id === String(alice.id))).toMatchObject({ state: ParticipantState.Left });

    const offer = await bob.rt.next('offer', { where: (m) => m.conversationId === shopper.id });
    expect(offer.transfer).toEqual({ fromName: 'Alice Martin', note: 'Wrong item shipped; needs an exchange.' });
    expect(offer.preview.map((m) => m.text)).toContain('My order 1010 has the wrong lamp.');
    bob.rt.send({ type: 'offer.accept', conversationId: shopper.id });
    const sync = await bob.rt.next('conversation.sync', { where: (m) => m.conversation.id === shopper.id });
    expect(sync.messages.map((m) => m.text)).toContain('My order 1010 has the wrong lamp.');
    const active = await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Active });
    expect(active.conversation.id).toBe(shopper.id);
    expect(active.conversation.answeredAt).toBe(queued.conversation.answeredAt);
    await alice.rt.expectNone('offer', 200);

    // The same ticket, with the transfer and its note; bob may read it now.
    const t = TicketView.parse((await httpRequest(`${stack.url}/api/conversations/${shopper.id}/ticket`, { headers: bearer(bob.token) })).json);
    expect(t.id).toBe(ticketBefore.id);
    expect(t.entries.filter((e) => e.kind === TicketEntryKind.Transfer)).toEqual([expect.objectContaining({ body: 'Wrong item shipped; needs an exchange.', author: { role: 'agent', name: 'Alice Martin' } })]);
    expect(t.conversations[0]!.agents.map((a) => a.id)).toEqual([alice.id, bob.id]);
    bob.rt.send({ type: 'conversation.end', conversationId: shopper.id });
    await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
  });

  it('to an issue type’s queue: the request changes topic; a call in progress stops and restarts with the next agent', async () => {
    const { alice, bob } = await agents();
    const shopper = await takenBy(alice, bob, MediaKind.Video);
    const before = await stack.server.db('media_sessions').where({ conversation_id: shopper.id });
    expect(before).toHaveLength(1);
    alice.rt.send({ type: 'conversation.transfer', conversationId: shopper.id, to: { issueType: IssueType.Technical }, note: '' });
    const queued = await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Queued && m.conversation.answeredAt !== null });
    expect(queued.conversation).toMatchObject({ issueType: IssueType.Technical, media: null });
    const offer = await acceptOffer(bob, shopper.id);
    expect(offer).toMatchObject({ issueType: IssueType.Technical, transfer: { fromName: 'Alice Martin', note: '' } });
    const sessions = await stack.server.db('media_sessions').where({ conversation_id: shopper.id }).orderBy('started_at');
    expect(sessions.map((m) => [m.end_reason])).toEqual([['stopped'], [null]]);
    bob.rt.send({ type: 'conversation.end', conversationId: shopper.id });
    await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
  });

  it('a directed transfer the agent declines goes to the queue; the agent who handed it on takes it back later', async () => {
    const { alice, bob } = await agents();
    const shopper = await takenBy(alice, bob);
    alice.rt.send({ type: 'conversation.transfer', conversationId: shopper.id, to: { agentId: bob.id }, note: 'Can you take this?' });
    await bob.rt.next('offer', { where: (m) => m.conversationId === shopper.id });
    bob.rt.send({ type: 'offer.decline', conversationId: shopper.id });
    await waitFor(async () => ((await stack.server.db('conversations').where({ id: shopper.id }).first('transfer_to')).transfer_to === null ? true : null), 'transfer target cleared');
    // Alice handed it on a moment ago: not offered it until RING_RETRY_AFTER_MS has passed, then she is.
    await alice.rt.expectNone('offer', 800);
    await acceptOffer(alice, shopper.id);
    const rows = await stack.server.db('participants').where({ conversation_id: shopper.id, role: 'agent' });
    expect(rows.map((r) => [Number(r.party_id), r.left_at === null])).toEqual([[alice.id, true]]);
    alice.rt.send({ type: 'conversation.end', conversationId: shopper.id });
    await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
  });

  it('refuses what is not a transfer: a shopper, oneself, an unknown agent, a queued conversation, someone else’s, a long note', async () => {
    const { alice, bob } = await agents();
    const shopper = await takenBy(alice, bob);
    shopper.rt.send({ type: 'conversation.transfer', conversationId: shopper.id, to: { agentId: bob.id }, note: '' });
    expect((await errorOf(shopper.rt, shopper.id)).code).toBe(ErrorCode.Forbidden);
    alice.rt.send({ type: 'conversation.transfer', conversationId: shopper.id, to: { agentId: alice.id }, note: '' });
    expect((await errorOf(alice.rt, shopper.id)).code).toBe(ErrorCode.BadRequest);
    alice.rt.send({ type: 'conversation.transfer', conversationId: shopper.id, to: { agentId: 999_999 }, note: '' });
    expect((await errorOf(alice.rt, shopper.id)).code).toBe(ErrorCode.BadRequest);
    bob.rt.send({ type: 'conversation.transfer', conversationId: shopper.id, to: { agentId: alice.id }, note: '' });
    expect((await errorOf(bob.rt, shopper.id)).code).toBe(ErrorCode.ConversationNotFound);
    alice.rt.sendRaw(JSON.stringify({ type: 'conversation.transfer', conversationId: shopper.id, to: { agentId: bob.id }, note: 'x'.repeat(1001) }));
    expect((await alice.rt.next('error')).code).toBe(ErrorCode.BadRequest);
    alice.rt.sendRaw(JSON.stringify({ type: 'conversation.transfer', conversationId: shopper.id, to: { agentId: bob.id, issueType: 'order' }, note: '' }));
    expect((await alice.rt.next('error')).code).toBe(ErrorCode.BadRequest);
    // Still Alice's, still active.
    expect(stack.server.conversations.core.live.get(shopper.id)?.state).toBe(ConversationState.Active);
    alice.rt.send({ type: 'conversation.end', conversationId: shopper.id });
    await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
    // A queued conversation cannot be transferred (it has no agent to hand it on).
    bob.rt.send({ type: 'presence.set', presence: 'away' as never });
    alice.rt.send({ type: 'presence.set', presence: 'away' as never });
    await alice.rt.next('agent.self', { where: (m) => m.presence === 'away' });
    const s2 = await shopperSession(stack.url);
    const rt2 = await openRealtime(stack, s2.token);
    track(rt2);
    const waiting = await startConversation(rt2, startMessage({ channel: MediaKind.Chat }));
    alice.rt.send({ type: 'conversation.transfer', conversationId: waiting.conversation.id, to: { agentId: bob.id }, note: '' });
    expect((await errorOf(alice.rt, waiting.conversation.id)).code).toBe(ErrorCode.ConversationNotFound);
    rt2.send({ type: 'conversation.end', conversationId: waiting.conversation.id });
  });
});
