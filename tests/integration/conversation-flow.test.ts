import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentState, ConversationState, EndReason, EndedBy, MediaKind, MediaPath, ParticipantState, Presence, RingEndReason, Role } from '../../protocol/index';
import { DEMO, login, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { peerCredentials, shopperInConversation, startMessage } from '../helpers/conversations';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

let stack: Stack;
const sockets: RealtimeClient[] = [];
async function rt(token: string): Promise<RealtimeClient> {
  const c = await openRealtime(stack, token);
  sockets.push(c);
  return c;
}

beforeAll(async () => {
  stack = await startStack({ env: { RING_TIMEOUT_MS: '1500', RECONNECT_GRACE_MS: '800' } });
});
afterEach(async () => {
  for (const c of sockets) expect(c.invalid, 'frames that are not valid ServerMessages').toEqual([]);
  await Promise.all(sockets.splice(0).map((c) => c.close()));
  await waitFor(() => (stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'no live conversations left', 4000);
});
afterAll(async () => stack?.close());

async function availableAgent(user = DEMO.alice): Promise<{ rt: RealtimeClient; token: string; id: number }> {
  const session = await login(stack.url, user);
  const a = await rt(session.token);
  a.send({ type: 'presence.set', presence: Presence.Available });
  await a.next('agent.self', { where: (m) => m.state === AgentState.Available });
  return { rt: a, token: session.token, id: session.user.id };
}

/** A shopper's chat conversation, offered to and accepted by an available agent. */
async function acceptedChat() {
  const alice = await availableAgent();
  const shopper = await shopperInConversation(stack, { start: startMessage({ channel: MediaKind.Chat }) });
  const offer = await alice.rt.next('offer');
  alice.rt.send({ type: 'offer.accept', conversationId: offer.conversationId });
  await alice.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Active });
  return { alice, shopper, offer };
}

describe('a conversation from start to end', () => {
  it('queues, offers with the messages typed while waiting, is accepted, chats exactly once and ends with true records', async () => {
    const shopper = await shopperInConversation(stack, { start: startMessage({ channel: MediaKind.Chat }) });
    sockets.push(shopper.rt);
    expect(shopper.sync.conversation.state).toBe(ConversationState.Queued);
    expect(shopper.sync.conversation.participants.map((p) => p.party.role)).toEqual([Role.Shopper]);
    await shopper.rt.next('conversation.queued');
    shopper.rt.send({ type: 'chat.send', conversationId: shopper.conversationId, clientId: 'waiting-0001', text: 'Hello, anyone there?' });
    const first = await shopper.rt.next('chat.message');
    expect(first.message).toMatchObject({ seq: 1, kind: 'text', text: 'Hello, anyone there?', clientId: 'waiting-0001' });
    // A resend of the same message (a reconnecting client) is stored once, and answered with the stored message.
    shopper.rt.send({ type: 'chat.send', conversationId: shopper.conversationId, clientId: 'waiting-0001', text: 'Hello, anyone there?' });
    expect((await shopper.rt.next('chat.message')).message).toEqual(first.message);

    const alice = await availableAgent();
    const offer = await alice.rt.next('offer');
    expect(offer.conversationId).toBe(shopper.conversationId);
    expect(offer.preview.map((m) => m.text)).toEqual(['Hello, anyone there?']);
    alice.rt.send({ type: 'offer.accept', conversationId: offer.conversationId });
    expect((await alice.rt.next('offer.end')).reason).toBe(RingEndReason.Accepted);
    const active = await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Active });
    expect(active.conversation.participants.map((p) => p.party)).toEqual([
      { role: Role.Shopper, id: shopper.shopperId },
      { role: Role.Agent, id: String(alice.id) },
    ]);
    expect(active.conversation.media).toBeNull();

    alice.rt.send({ type: 'conversation.resume', conversationId: offer.conversationId, afterSeq: 0 });
    const sync = await alice.rt.next('conversation.sync', { where: (m) => m.conversation.id === offer.conversationId });
    expect(sync.messages.map((m) => m.seq)).toEqual([1]);

    alice.rt.send({ type: 'chat.send', conversationId: offer.conversationId, clientId: 'agent-reply-1', text: 'Hi! How can I help?' });
    const reply = await shopper.rt.next('chat.message', { where: (m) => m.message.clientId === 'agent-reply-1' });
    expect(reply.message).toMatchObject({ seq: 2, senderName: 'Alice Martin', sender: { role: Role.Agent, id: String(alice.id) } });
    expect(await stack.server.db('messages').where({ conversation_id: shopper.conversationId }).count({ n: '*' })).toEqual([{ n: 2 }]);

    shopper.rt.send({ type: 'chat.seen', conversationId: offer.conversationId, deliveredSeq: 2, readSeq: 2 });
    const marked = await alice.rt.next('conversation.update', { where: (m) => m.conversation.participants.some((p) => p.readSeq === 2) });
    expect(marked.conversation.participants.find((p) => p.party.role === Role.Shopper)?.deliveredSeq).toBe(2);

    shopper.rt.send({ type: 'conversation.end', conversationId: offer.conversationId });
    const ended = await alice.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
    expect(ended.conversation).toMatchObject({ endedBy: EndedBy.Shopper, endReason: EndReason.Hangup });
    expect(ended.conversation.participants.every((p) => p.state === ParticipantState.Left)).toBe(true);

    // History stays readable after the end.
    shopper.rt.send({ type: 'conversation.resume', conversationId: offer.conversationId, afterSeq: 0 });
    const after = await shopper.rt.next('conversation.sync', { where: (m) => m.conversation.state !== ConversationState.Queued });
    expect(after.messages.map((m) => m.text)).toEqual(['Hello, anyone there?', 'Hi! How can I help?']);
    expect(after.conversation.state).toBe(ConversationState.Closed);
  });

  it('starts a video media session on accept; the later peer to join places the call; flowing marks it connected', async () => {
    const alice = await availableAgent();
    const shopper = await shopperInConversation(stack);
    sockets.push(shopper.rt);
    const offer = await alice.rt.next('offer');
    expect(offer.channel).toBe(MediaKind.Video);
    alice.rt.send({ type: 'offer.accept', conversationId: offer.conversationId });
    const active = await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Active });
    expect(active.conversation.media?.kind).toBe(MediaKind.Video);

    const shopperPeer = await peerCredentials(stack, shopper.token);
    shopper.rt.send({ type: 'media.join', conversationId: offer.conversationId, peerId: shopperPeer.peerId });
    await shopper.rt.next('media.peers', { where: (m) => m.peers.length === 0 });
    const agentPeer = await peerCredentials(stack, alice.token);
    alice.rt.send({ type: 'media.join', conversationId: offer.conversationId, peerId: agentPeer.peerId });
    const toAgent = await alice.rt.next('media.peers', { where: (m) => m.peers.length === 1 });
    expect(toAgent.peers[0]).toMatchObject({ peerId: shopperPeer.peerId, placeCall: true });
    const toShopper = await shopper.rt.next('media.peers', { where: (m) => m.peers.length === 1 });
    expect(toShopper.peers[0]).toMatchObject({ peerId: agentPeer.peerId, placeCall: false });
    expect(stack.server.conversations.media.maySignal(agentPeer.peerId, shopperPeer.peerId)).toBe(true);

    // The shopper reloads: a new peer replaces the old one and now calls the agent.
    const again = await peerCredentials(stack, shopper.token);
    shopper.rt.send({ type: 'media.path', conversationId: offer.conversationId, path: MediaPath.Flowing });
    await alice.rt.next('conversation.update', { where: (m) => m.conversation.media?.connectedAt !== null });
    shopper.rt.send({ type: 'media.join', conversationId: offer.conversationId, peerId: again.peerId });
    const reloaded = await shopper.rt.next('media.peers', { where: (m) => m.peers[0]?.placeCall === true });
    expect(reloaded.peers[0]?.peerId).toBe(agentPeer.peerId);
    expect(stack.server.conversations.media.maySignal(agentPeer.peerId, shopperPeer.peerId)).toBe(false);
    const resumed = await alice.rt.next('conversation.update', { where: (m) => m.conversation.media?.resumes === 1 });
    expect(resumed.conversation.media?.connectedAt).not.toBeNull();

    alice.rt.send({ type: 'conversation.end', conversationId: offer.conversationId });
    await shopper.rt.next('conversation.update', { where: (m) => m.conversation.endedBy === EndedBy.Agent });
  });

  it('a shopper whose socket drops is reconnecting, not gone; coming back within the grace keeps the conversation', async () => {
    const { alice, shopper, offer } = await acceptedChat();
    await shopper.rt.close();
    await alice.rt.next('conversation.update', { where: (m) => m.conversation.participants.some((p) => p.state === ParticipantState.Reconnecting) });
    const back = await rt(shopper.token);
    back.send({ type: 'conversation.resume', conversationId: offer.conversationId, afterSeq: 0 });
    expect((await back.next('conversation.sync')).conversation.state).toBe(ConversationState.Active);
    await alice.rt.next('conversation.update', { where: (m) => m.conversation.participants.every((p) => p.state === ParticipantState.Connected) });
    await alice.rt.expectNone('conversation.update', 1200, (m) => m.conversation.state !== ConversationState.Active);
    back.send({ type: 'conversation.end', conversationId: offer.conversationId });
    await alice.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
  });

  it('ends with disconnected only when the grace runs out', async () => {
    const { alice, shopper } = await acceptedChat();
    await shopper.rt.close();
    const ended = await alice.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed, timeoutMs: 3000 });
    expect(ended.conversation).toMatchObject({ endedBy: EndedBy.Shopper, endReason: EndReason.Disconnected });
  });

  it('a shopper who leaves while the conversation is being created is not left queued: it ends abandoned after the grace', async () => {
    const session = await shopperSession(stack.url);
    const rt = await openRealtime(stack, session.token);
    rt.send(startMessage({ channel: MediaKind.Chat }));
    await rt.close();
    const ended = await waitFor(
      async () => (await stack.server.db('conversations').where({ shopper_id: session.shopperId, state: ConversationState.Abandoned }).first<{ ended_by: string; end_reason: string } | undefined>()) ?? null,
      'abandoned after the grace',
      4000,
    );
    expect(ended).toMatchObject({ ended_by: EndedBy.Shopper, end_reason: EndReason.Abandoned });
  });
});
