import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { AgentState, ConversationRecord, ConversationState, EndReason, EndedBy, ErrorCode, MediaEndReason, MediaKind, MediaPath, ParticipantState, Role } from '../../protocol/index';
import { acceptOffer, agentConsole, joinMedia, type AgentConsole } from '../helpers/agents';
import { shopperInConversation, startConversation, startMessage, type ShopperInConversation } from '../helpers/conversations';
import { DEMO, bearer, httpRequest, login, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { openPeer, openRealtime, type RealtimeClient } from '../helpers/sockets';

/** Conversations that go wrong: media that never flows, parties that reconnect, starts that race. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { CONNECT_TIMEOUT_MS: '800', RECONNECT_GRACE_MS: '3000' } });
});
const sockets: { close(): Promise<unknown> }[] = [];
function track<T extends { close(): Promise<unknown> }>(s: T): T {
  sockets.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await waitFor(() => (stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'no live conversations left', 8000);
});
afterAll(async () => stack?.close());

const isActive = (id: string) => (m: { conversation: { id: string; state: ConversationState } }) => m.conversation.id === id && m.conversation.state === ConversationState.Active;

/** A video conversation an available agent has accepted: its media session runs, nobody has joined it yet. */
async function acceptedVideo(): Promise<{ agent: AgentConsole; shopper: ShopperInConversation; id: string }> {
  const agent = await agentConsole(stack, DEMO.alice, undefined, track);
  const shopper = await shopperInConversation(stack);
  track(shopper.rt);
  await acceptOffer(agent, shopper.conversationId);
  const active = await shopper.rt.next('conversation.update', { where: isActive(shopper.conversationId) });
  expect(active.conversation.media).toMatchObject({ kind: MediaKind.Video, connectedAt: null });
  return { agent, shopper, id: shopper.conversationId };
}

it('ends a media session whose media never flows as connect_failed; the conversation goes on in chat and can escalate again', async () => {
  const { agent, shopper, id } = await acceptedVideo();
  const agentMedia = await joinMedia(stack, agent, id);
  const agentPeer = track(await openPeer(stack, agentMedia.creds));
  // Nobody reports media flowing: the media session ends, the conversation does not.
  const [toShopper] = await Promise.all(
    [shopper.rt, agent.rt].map((c) => c.next('conversation.update', { where: (m) => isActive(id)(m) && m.conversation.media === null, timeoutMs: 5000 })),
  );
  expect(toShopper!.conversation).toMatchObject({ state: ConversationState.Active, endedAt: null });
  // Its peers have nothing more to signal: the PeerServer closes them.
  expect((await agentPeer.closed).code).toBe(1000);
  expect(stack.server.conversations.snapshot().agents.find((a) => a.id === agent.id)?.state).toBe(AgentState.Busy);

  // Chat goes on.
  shopper.rt.send({ type: 'chat.send', conversationId: id, clientId: 'after-failed-1', text: 'I cannot see you' });
  expect((await agent.rt.next('chat.message')).message).toMatchObject({ text: 'I cannot see you', sender: { role: Role.Shopper, id: shopper.shopperId } });
  // The agent proposes video again; the shopper accepts: a new media session runs.
  agent.rt.send({ type: 'media.propose', conversationId: id, kind: MediaKind.Video });
  await shopper.rt.next('conversation.update', { where: (m) => m.conversation.proposal?.kind === MediaKind.Video });
  shopper.rt.send({ type: 'media.answer', conversationId: id, accept: true });
  const again = await agent.rt.next('conversation.update', { where: (m) => m.conversation.media !== null && m.conversation.media.id !== agentMedia.peers.mediaId });
  expect(again.conversation).toMatchObject({ proposal: null, media: { kind: MediaKind.Video, connectedAt: null } });
  // This time media flows.
  shopper.rt.send({ type: 'media.path', conversationId: id, path: MediaPath.Flowing });
  await agent.rt.next('conversation.update', { where: (m) => m.conversation.media?.connectedAt != null });

  agent.rt.send({ type: 'conversation.end', conversationId: id });
  await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
  const res = await httpRequest(`${stack.url}/api/conversations/${id}`, { headers: bearer(agent.token) });
  const rec = ConversationRecord.parse(res.json);
  expect(rec.mediaSessions.map((m) => [m.endReason, m.connectedAt !== null])).toEqual([
    [MediaEndReason.ConnectFailed, false],
    [MediaEndReason.ConversationEnded, true],
  ]);
  expect(rec).toMatchObject({ state: ConversationState.Closed, endedBy: EndedBy.Agent, endReason: EndReason.Hangup, messages: 1 });
});

it('tells a party that reconnects mid-conversation where it stands, and the conversation and its media go on', async () => {
  const { agent, shopper, id } = await acceptedVideo();
  const shopperMedia = await joinMedia(stack, shopper, id);
  const agentMedia = await joinMedia(stack, agent, id);
  shopper.rt.send({ type: 'media.path', conversationId: id, path: MediaPath.Flowing });
  await agent.rt.next('conversation.update', { where: (m) => m.conversation.media?.connectedAt != null });
  shopper.rt.send({ type: 'chat.send', conversationId: id, clientId: 'before-reload-1', text: 'Can you see the board?' });
  await agent.rt.next('chat.message');

  // The shopper's page reloads: the agent sees it reconnecting, then back.
  await shopper.rt.close();
  await agent.rt.next('conversation.update', { where: (m) => m.conversation.participants.some((p) => p.state === ParticipantState.Reconnecting) });
  const again = track(await openRealtime(stack, shopper.token));
  await again.next('conversation.update', { where: (m) => isActive(id)(m) && m.conversation.participants.every((p) => p.state === ParticipantState.Connected) });
  again.send({ type: 'conversation.resume', conversationId: id, afterSeq: 0 });
  const sync = await again.next('conversation.sync');
  expect(sync.conversation).toMatchObject({ id, state: ConversationState.Active, media: { kind: MediaKind.Video } });
  expect(sync.conversation.media?.connectedAt).not.toBeNull();
  expect(sync.messages.map((m) => m.text)).toEqual(['Can you see the board?']);
  // Its new page joins with a new peer and, as the later joiner, calls the agent.
  const rejoined = await joinMedia(stack, { token: shopper.token, rt: again }, id);
  expect(rejoined.creds.peerId).not.toBe(shopperMedia.creds.peerId);
  expect(rejoined.peers.peers).toEqual([expect.objectContaining({ peerId: agentMedia.creds.peerId, placeCall: true })]);
  const toAgent = await agent.rt.next('media.peers', { where: (m) => m.peers[0]?.peerId === rejoined.creds.peerId });
  expect(toAgent.peers[0]!.placeCall).toBe(false);
  await agent.rt.next('conversation.update', { where: (m) => m.conversation.media?.resumes === 1 });

  // The agent's console reconnects too, and now calls the shopper's new peer.
  await agent.rt.close();
  const agentAgain = track(await openRealtime(stack, agent.token));
  agentAgain.send({ type: 'conversation.resume', conversationId: id, afterSeq: 1 });
  // (A sync from 0 may come first: the server may send one to every socket that opens.)
  const agentSync = await agentAgain.next('conversation.sync', { where: (m) => m.messages.every((x) => x.seq > 1) });
  expect(agentSync).toMatchObject({ conversation: { id, state: ConversationState.Active }, messages: [], more: false });
  const agentRejoined = await joinMedia(stack, { token: agent.token, rt: agentAgain }, id);
  expect(agentRejoined.peers.peers).toEqual([expect.objectContaining({ peerId: rejoined.creds.peerId, placeCall: true })]);

  // Both came back within the grace: still the same live conversation, which either can end.
  expect(stack.server.conversations.snapshot().conversations.map((c) => c.id)).toEqual([id]);
  again.send({ type: 'conversation.end', conversationId: id });
  const ended = await agentAgain.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
  expect(ended.conversation).toMatchObject({ id, endedBy: EndedBy.Shopper, endReason: EndReason.Hangup });
});

it('creates one conversation when the same shopper starts from two tabs at once; both tabs follow it', async () => {
  const shopper = await shopperSession(stack.url);
  const [tab1, tab2] = await Promise.all([openRealtime(stack, shopper.token), openRealtime(stack, shopper.token)]);
  track(tab1);
  track(tab2);
  const results = await Promise.allSettled([startConversation(tab1, startMessage()), startConversation(tab2, startMessage())]);
  // Each start is answered with the one conversation, or refused because the other is being created.
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.conversation.id] : []));
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  expect(started.length).toBeGreaterThanOrEqual(1);
  expect(new Set(started).size).toBe(1);
  for (const r of refused) expect(r).toContain(ErrorCode.AlreadyInConversation);
  const id = started[0]!;
  const mine = stack.server.conversations.snapshot().conversations.filter((c) => c.participants.some((p) => p.party.id === shopper.shopperId));
  expect(mine.map((c) => c.id)).toEqual([id]);
  // The other tab sees the conversation too, and can resume it.
  const loser = results[0]!.status === 'fulfilled' ? tab2 : tab1;
  await loser.next('conversation.update', { where: (m) => m.conversation.id === id });
  loser.send({ type: 'conversation.resume', conversationId: id, afterSeq: 0 });
  expect((await loser.next('conversation.sync')).conversation).toMatchObject({ id, state: ConversationState.Queued });
  loser.send({ type: 'conversation.end', conversationId: id });
  for (const tab of [tab1, tab2]) await tab.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
});

it('lets only its participants act on a conversation', async () => {
  const { agent, shopper, id } = await acceptedVideo();
  const stranger = await shopperSession(stack.url);
  const strangerRt: RealtimeClient = track(await openRealtime(stack, stranger.token));
  const bob = await login(stack.url, DEMO.bob);
  const bobRt = track(await openRealtime(stack, bob.token));
  for (const rt of [strangerRt, bobRt]) {
    for (const msg of [
      { type: 'conversation.resume', conversationId: id, afterSeq: 0 },
      { type: 'chat.send', conversationId: id, clientId: 'stranger-msg-1', text: 'hello' },
      { type: 'conversation.end', conversationId: id },
      { type: 'media.stop', conversationId: id },
    ] as const) {
      rt.send(msg);
      expect(await rt.next('error')).toMatchObject({ code: ErrorCode.ConversationNotFound, conversationId: id });
    }
  }
  // Nothing happened to it.
  expect(stack.server.conversations.snapshot().conversations.map((c) => [c.id, c.state, c.media !== null])).toEqual([[id, ConversationState.Active, true]]);
  await shopper.rt.expectNone('chat.message', 200);
  agent.rt.send({ type: 'conversation.end', conversationId: id });
  await shopper.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
});
