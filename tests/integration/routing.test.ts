/**
 * Skills routing on a real server with real sockets: requests go to agents with the skills they
 * need (and widen after the widening time), VIP goes first, two missed rings in a row set an agent
 * away, capacity is one call plus MAX_CHATS chats, wrap-up holds offers until it ends or Ready,
 * and a waiting shopper is told a computed expected wait.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentState, ConversationState, ErrorCode, IssueType, MediaKind, Presence, RingEndReason } from '../../protocol/index';
import { agentConsole, acceptOffer, setPresence, type AgentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { DEMO, delay, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';
import type { SkillRow } from '../../server/src/routing/skills';

let stack: Stack;
const sockets: RealtimeClient[] = [];
const track = (rt: RealtimeClient) => void sockets.push(rt);

beforeAll(async () => {
  stack = await startStack({ env: { MAX_CHATS: '2', MAX_CONVERSATIONS: '3', WIDEN_AFTER_MS: '60000', RING_RETRY_AFTER_MS: '30000' } });
});
afterEach(async () => {
  for (const c of sockets) expect(c.invalid, 'frames that are not valid ServerMessages').toEqual([]);
  await Promise.all(sockets.splice(0).map((c) => c.close()));
  await waitFor(() => (stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'no live conversations left', 5000);
  // Known state for the next test: everyone takes everything, no wrap-up, no missed rings.
  for (const email of [DEMO.alice.email, DEMO.bob.email]) await setSkills(email, null);
  await stack.server.db('agent_status').update({ wrapup_until: null, missed_rings: 0 });
  for (const a of stack.server.conversations.core.agents.values()) await stack.server.conversations.core.reloadAgent(a.id);
});
afterAll(async () => stack?.close());

/** Sets an agent's skills in the database and has the server read them again (the admin page's job, next). null: everything. */
async function setSkills(email: string, rows: SkillRow[] | null): Promise<void> {
  const { id } = await stack.server.db('users').where({ email }).first('id');
  await stack.server.db('agent_skills').where({ user_id: id }).delete();
  const all: SkillRow[] = [
    ...Object.values(IssueType).map((value) => ({ kind: 'issue' as const, value, level: 3 })),
    { kind: 'language', value: 'en', level: 3 }, { kind: 'language', value: 'zh', level: 3 }, { kind: 'category', value: '*', level: 3 },
  ];
  await stack.server.db('agent_skills').insert((rows ?? all).map((r) => ({ user_id: id, ...r })));
  await stack.server.conversations.core.reloadAgent(Number(id));
}

async function agent(user: { email: string; password: string }, presence: Presence.Available | Presence.Away = Presence.Available): Promise<AgentConsole> {
  return agentConsole(stack, user, presence, track);
}

async function shopper(start: Parameters<typeof startMessage>[0] = {}, customerId?: number) {
  const s = await shopperSession(stack.url, customerId === undefined ? {} : { customerId });
  const rt = await openRealtime(stack, s.token);
  track(rt);
  const sync = await startConversation(rt, startMessage(start));
  return { token: s.token, rt, id: sync.conversation.id, sync };
}

describe('skills', () => {
  it('offers a request to an agent with its issue type, language and category — not to one without, even idle longer', async () => {
    await setSkills(DEMO.alice.email, [{ kind: 'issue', value: IssueType.PreSale, level: 5 }, { kind: 'language', value: 'en', level: 5 }, { kind: 'category', value: '*', level: 5 }]);
    await setSkills(DEMO.bob.email, [{ kind: 'issue', value: IssueType.AfterSales, level: 4 }, { kind: 'language', value: 'zh', level: 4 }, { kind: 'category', value: '16', level: 3 }]);
    const alice = await agent(DEMO.alice);
    await delay(20);
    const bob = await agent(DEMO.bob);
    // After-sales, in Chinese, about the Oak Serving Board (category 16, Kitchen).
    const s = await shopper({ channel: MediaKind.Chat, issueType: IssueType.AfterSales, language: 'zh', productId: 103 });
    expect(s.sync.conversation).toMatchObject({ issueType: IssueType.AfterSales, language: 'zh', vip: 0 });
    const offer = await bob.rt.next('offer');
    expect(offer).toMatchObject({ conversationId: s.id, issueType: IssueType.AfterSales, language: 'zh', vip: 0 });
    await alice.rt.expectNone('offer', 300);
    bob.rt.send({ type: 'offer.decline', conversationId: s.id });
    // Declined, and alice lacks the skill: it waits (until it widens, a minute here).
    expect(await s.rt.next('conversation.queued', { where: (m) => m.conversationId === s.id })).toMatchObject({ position: 1, agentAvailable: true });
    await alice.rt.expectNone('offer', 300);
  });

  it('widens to any agent with the issue type after WIDEN_AFTER_MS', async () => {
    await stack.close();
    stack = await startStack({ env: { MAX_CHATS: '2', MAX_CONVERSATIONS: '3', WIDEN_AFTER_MS: '1500' } });
    await setSkills(DEMO.alice.email, [{ kind: 'issue', value: IssueType.Technical, level: 3 }, { kind: 'language', value: 'en', level: 3 }]);
    const alice = await agent(DEMO.alice);
    const s = await shopper({ channel: MediaKind.Chat, issueType: IssueType.Technical, language: 'zh' });
    await alice.rt.expectNone('offer', 800);
    const offer = await alice.rt.next('offer', { timeoutMs: 4000 });
    expect(offer).toMatchObject({ conversationId: s.id, language: 'zh' });
    expect(Date.now() - Date.parse(s.sync.conversation.requestedAt)).toBeGreaterThanOrEqual(1400);
    // An issue type nobody has is never offered, widened or not.
    const other = await shopper({ channel: MediaKind.Voice, issueType: IssueType.Order, language: 'en' });
    await alice.rt.expectNone('offer', 2500);
    expect(stack.server.conversations.core.live.get(other.id)?.state).toBe(ConversationState.Queued);
  });
});

describe('priority and missed rings', () => {
  it('offers a VIP before an earlier non-VIP with the same needs', async () => {
    const guest = await shopper({ channel: MediaKind.Chat });
    const vip = await shopper({ channel: MediaKind.Chat }, 1); // Anna: counterpart_vip 2 in the shop
    expect(vip.sync.conversation.vip).toBe(2);
    // Anna is placed ahead of the guest, who waited longer.
    expect(await guest.rt.next('conversation.queued', { where: (m) => m.position === 2 })).toMatchObject({ conversationId: guest.id, agentAvailable: false, expectedWaitMs: null });
    const alice = await agent(DEMO.alice);
    expect((await alice.rt.next('offer')).conversationId).toBe(vip.id);
  });

  it('sets an agent away after two missed rings in a row (one is not enough), and says why', async () => {
    const alice = await agent(DEMO.alice);
    const first = await shopper({ channel: MediaKind.Chat });
    await alice.rt.next('offer', { where: (m) => m.conversationId === first.id });
    expect(await alice.rt.next('offer.end', { timeoutMs: 4000 })).toEqual({ type: 'offer.end', conversationId: first.id, reason: RingEndReason.Timeout });
    await alice.rt.next('agent.self', { where: (m) => m.state === AgentState.Available && m.presence === Presence.Available });
    const second = await shopper({ channel: MediaKind.Chat });
    await alice.rt.next('offer', { where: (m) => m.conversationId === second.id });
    expect(await alice.rt.next('offer.end', { timeoutMs: 4000 })).toEqual({ type: 'offer.end', conversationId: second.id, reason: RingEndReason.Timeout, setAway: true });
    await alice.rt.next('agent.self', { where: (m) => m.presence === Presence.Away && m.state === AgentState.Away });
    expect(await stack.server.db('agent_status').where({ user_id: alice.id }).first('presence', 'missed_rings')).toEqual({ presence: 'away', missed_rings: 0 });
  });
});

describe('capacity and wrap-up', () => {
  it('holds one call plus MAX_CHATS chats; the next waits, and a call in a chat is refused while the agent is in another call', async () => {
    const alice = await agent(DEMO.alice);
    const video = await shopper({ channel: MediaKind.Video });
    await acceptOffer(alice, video.id);
    const chats: Awaited<ReturnType<typeof shopper>>[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await shopper({ channel: MediaKind.Chat });
      await acceptOffer(alice, c.id);
      chats.push(c);
    }
    await alice.rt.next('agent.self', { where: (m) => m.state === AgentState.Busy });
    const waiting = await shopper({ channel: MediaKind.Chat });
    const voice = await shopper({ channel: MediaKind.Voice });
    await alice.rt.expectNone('offer', 400);
    expect(await stack.server.db('agent_status').where({ user_id: alice.id }).first('calls', 'chats')).toEqual({ calls: 1, chats: 2 });
    // A chat shopper asks for video while alice is in her video call: refused, the chat goes on.
    chats[0]!.rt.send({ type: 'media.propose', conversationId: chats[0]!.id, kind: MediaKind.Video });
    await alice.rt.next('conversation.update', { where: (m) => m.conversation.id === chats[0]!.id && m.conversation.proposal !== null });
    alice.rt.send({ type: 'media.answer', conversationId: chats[0]!.id, accept: true });
    expect(await alice.rt.next('error')).toMatchObject({ code: ErrorCode.AgentInCall, conversationId: chats[0]!.id });
    // The call ends: its slot takes the waiting voice call; the chat still waits for a chat slot.
    video.rt.send({ type: 'conversation.end', conversationId: video.id });
    expect((await alice.rt.next('offer')).conversationId).toBe(voice.id);
    expect(stack.server.conversations.core.live.get(waiting.id)?.state).toBe(ConversationState.Queued);
  });

  it('wraps up after a conversation (no offers) until WRAP_UP_MS passes or Ready', async () => {
    await stack.close();
    stack = await startStack({ env: { WRAP_UP_MS: '60000' } });
    const alice = await agent(DEMO.alice);
    const first = await shopper({ channel: MediaKind.Chat });
    await acceptOffer(alice, first.id);
    first.rt.send({ type: 'conversation.end', conversationId: first.id });
    const wrap = await alice.rt.next('agent.self', { where: (m) => m.state === AgentState.WrapUp });
    expect(Date.parse(wrap.wrapUpUntil!) - Date.now()).toBeGreaterThan(55_000);
    const next = await shopper({ channel: MediaKind.Chat });
    await alice.rt.expectNone('offer', 500);
    // Ready: wrap-up ends now and the waiting request rings.
    await setPresence(alice, Presence.Available);
    expect((await alice.rt.next('offer')).conversationId).toBe(next.id);
  });
});

describe('the wait a shopper is told', () => {
  it('is computed from the place in line, the agents at work and recent handle times', async () => {
    const alice = await agent(DEMO.alice);
    const held = await shopper({ channel: MediaKind.Video });
    await acceptOffer(alice, held.id);
    const first = await shopper({ channel: MediaKind.Voice });
    const second = await shopper({ channel: MediaKind.Video });
    const a = await first.rt.next('conversation.queued');
    const b = await second.rt.next('conversation.queued');
    expect(a).toMatchObject({ position: 1, agentAvailable: true });
    expect(b).toMatchObject({ position: 2, agentAvailable: true });
    // One call slot, busy: the first waits about one handle time (3 min before any is measured), the second two.
    expect(a.expectedWaitMs).toBeGreaterThan(60_000);
    expect(b.expectedWaitMs! - a.expectedWaitMs!).toBeGreaterThan(60_000);
  });
});
