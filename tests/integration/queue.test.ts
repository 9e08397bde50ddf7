/**
 * The queue and the realtime channel's edges, on a real server: what a waiting shopper is told
 * (and only when it changes), conversations that end before an agent takes them, one conversation
 * per shopper, refused messages, and an agent who declined being offered the request again only
 * after RING_RETRY_AFTER_MS.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentState,
  ConversationRecord,
  ConversationState,
  EndReason,
  EndedBy,
  ErrorCode,
  MediaKind,
  ParticipantState,
  Presence,
  RingEndReason,
  Role,
} from '../../protocol/index';
import { agentConsole } from '../helpers/agents';
import { startConversation, startMessage } from '../helpers/conversations';
import { DEMO, bearer, httpRequest, login, shopperSession, startStack, waitFor, type Stack } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';

const chat = () => startMessage({ channel: MediaKind.Chat });

/** A stack with its own sockets, cleaned after each test (closed sockets end conversations after the grace). */
function useStack(env: Record<string, string> = {}) {
  const ctx = { stack: null as unknown as Stack, supervisorToken: '', sockets: [] as RealtimeClient[] };
  beforeAll(async () => {
    ctx.stack = await startStack({ env });
    ctx.supervisorToken = (await login(ctx.stack.url, DEMO.sam)).token;
  });
  afterEach(async () => {
    for (const c of ctx.sockets) expect(c.invalid, 'frames that are not valid ServerMessages').toEqual([]);
    await Promise.all(ctx.sockets.splice(0).map((c) => c.close()));
    await waitFor(() => (ctx.stack.server.conversations.snapshot().conversations.length === 0 ? true : null), 'no live conversations left', 4000);
  });
  afterAll(async () => ctx.stack?.close());
  const track = (c: RealtimeClient) => void ctx.sockets.push(c);
  return {
    ctx,
    track,
    /** A shopper on the realtime channel, before any conversation. */
    async shopper(): Promise<{ shopperId: string; token: string; rt: RealtimeClient }> {
      const s = await shopperSession(ctx.stack.url);
      const rt = await openRealtime(ctx.stack, s.token);
      track(rt);
      return { shopperId: s.shopperId, token: s.token, rt };
    },
    async record(id: string): Promise<ConversationRecord> {
      const res = await httpRequest(`${ctx.stack.url}/api/conversations/${id}`, { headers: bearer(ctx.supervisorToken) });
      expect(res.status).toBe(200);
      return ConversationRecord.parse(res.json);
    },
  };
}

describe('the queue', () => {
  const { ctx, track, shopper, record } = useStack();

  it('records a conversation the shopper ends while queued as abandoned', async () => {
    const s = await shopper();
    const { conversation } = await startConversation(s.rt, chat());
    expect(await s.rt.next('conversation.queued')).toEqual({ type: 'conversation.queued', conversationId: conversation.id, position: 1, agentAvailable: false, expectedWaitMs: null });
    s.rt.send({ type: 'conversation.end', conversationId: conversation.id });
    const ended = await s.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
    expect(ended.conversation).toMatchObject({ endedBy: EndedBy.Shopper, endReason: EndReason.Abandoned });
    const rec = await record(conversation.id);
    expect(rec).toMatchObject({ state: ConversationState.Abandoned, endedBy: EndedBy.Shopper, endReason: EndReason.Abandoned, offeredAt: null, answeredAt: null, offers: [] });
    expect(rec.participants.map((p) => [p.party, p.state])).toEqual([[{ role: Role.Shopper, id: s.shopperId }, ParticipantState.Left]]);
    // It is over: ending it again is refused.
    s.rt.send({ type: 'conversation.end', conversationId: conversation.id });
    expect(await s.rt.next('error')).toMatchObject({ code: ErrorCode.ConversationNotFound, conversationId: conversation.id });
  });

  it('tells a queued shopper its place only when it changes (no repeated conversation.queued)', async () => {
    const s1 = await shopper();
    const s2 = await shopper();
    const c1 = (await startConversation(s1.rt, chat())).conversation.id;
    expect(await s1.rt.next('conversation.queued')).toEqual({ type: 'conversation.queued', conversationId: c1, position: 1, agentAvailable: false, expectedWaitMs: null });
    const c2 = (await startConversation(s2.rt, chat())).conversation.id;
    expect(await s2.rt.next('conversation.queued')).toEqual({ type: 'conversation.queued', conversationId: c2, position: 2, agentAvailable: false, expectedWaitMs: null });
    // Someone joining behind s1 does not change s1's place: s1 is not told again.
    await s1.rt.expectNone('conversation.queued', 300);

    // An agent signs in and sets away: the queue is looked at again, but nothing changed for anyone.
    const alice = await agentConsole(ctx.stack, DEMO.alice, Presence.Away, track);
    await Promise.all([s1.rt.expectNone('conversation.queued', 300), s2.rt.expectNone('conversation.queued', 0)]);

    // s1 leaves: s2 moves up, and is told.
    s1.rt.send({ type: 'conversation.end', conversationId: c1 });
    expect(await s2.rt.next('conversation.queued')).toEqual({ type: 'conversation.queued', conversationId: c2, position: 1, agentAvailable: false, expectedWaitMs: null });

    // The agent becomes available and declines: s2 waits again, now with an agent available.
    alice.rt.send({ type: 'presence.set', presence: Presence.Available });
    expect((await alice.rt.next('offer')).conversationId).toBe(c2);
    await s2.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Offered });
    alice.rt.send({ type: 'offer.decline', conversationId: c2 });
    expect(await s2.rt.next('conversation.queued')).toEqual({ type: 'conversation.queued', conversationId: c2, position: 1, agentAvailable: true, expectedWaitMs: expect.any(Number) });

    // A new request goes to the agent (who has not refused it); s2's place and news are the same: no message.
    const s3 = await shopper();
    const c3 = (await startConversation(s3.rt, chat())).conversation.id;
    expect((await alice.rt.next('offer')).conversationId).toBe(c3);
    await s2.rt.expectNone('conversation.queued', 300);
    s3.rt.send({ type: 'conversation.end', conversationId: c3 });
    await alice.rt.next('offer.end', { where: (m) => m.conversationId === c3 && m.reason === RingEndReason.Cancelled });
    await s2.rt.expectNone('conversation.queued', 300);

    s2.rt.send({ type: 'conversation.end', conversationId: c2 });
    await s2.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
    expect(s2.rt.received.filter((m) => m.type === 'conversation.queued')).toHaveLength(3);
    expect(s1.rt.received.filter((m) => m.type === 'conversation.queued')).toHaveLength(1);
  });

  it('keeps one conversation per shopper: a second start creates no other, and after the end a new one may start', async () => {
    const s = await shopper();
    const { conversation } = await startConversation(s.rt, chat());
    // A second start (a resend, another tab) is refused with already_in_conversation, or answered
    // with the conversation going; either way it makes no second conversation.
    const from = s.rt.received.length;
    s.rt.send(startMessage());
    const answer = await waitFor(() => s.rt.received.slice(from).find((m) => m.type === 'error' || m.type === 'conversation.sync') ?? null, 'an answer to the second start');
    if (answer.type === 'error') expect(answer.code).toBe(ErrorCode.AlreadyInConversation);
    else expect(answer.type === 'conversation.sync' && answer.conversation.id).toBe(conversation.id);
    expect(ctx.stack.server.conversations.snapshot().conversations.map((c) => [c.id, c.state])).toEqual([[conversation.id, ConversationState.Queued]]);
    s.rt.send({ type: 'conversation.end', conversationId: conversation.id });
    await s.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
    // Once it has ended, the shopper may start another.
    const again = await startConversation(s.rt, chat());
    expect(again.conversation.id).not.toBe(conversation.id);
    expect(again.conversation.state).toBe(ConversationState.Queued);
    s.rt.send({ type: 'conversation.end', conversationId: again.conversation.id });
  });

  it('answers an unknown message type and an invalid message with bad_request and stays open', async () => {
    const s = await shopper();
    s.rt.sendRaw(JSON.stringify({ type: 'conversation.teleport', conversationId: 'x' }));
    // A message that does not parse is answered without echoing any of its fields.
    const unknown = await s.rt.next('error');
    expect(unknown).toMatchObject({ type: 'error', code: ErrorCode.BadRequest });
    expect(unknown).not.toHaveProperty('conversationId');
    s.rt.sendRaw(JSON.stringify({ type: 'conversation.start', channel: 'hologram', context: { productId: null, pageUrl: '' } }));
    expect(await s.rt.next('error')).toMatchObject({ code: ErrorCode.BadRequest });
    s.rt.sendRaw('42');
    expect(await s.rt.next('error')).toMatchObject({ code: ErrorCode.BadRequest });
    // Still open and working.
    const { conversation } = await startConversation(s.rt, chat());
    s.rt.send({ type: 'conversation.end', conversationId: conversation.id });
    await s.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
  });

  it('answers a frame that is not JSON (or is JSON null) with bad_request and stays open', async () => {
    const s = await shopper();
    for (const raw of ['{not json', 'null']) {
      s.rt.sendRaw(raw);
      expect({ raw, msg: await s.rt.next('error', { timeoutMs: 2000 }).catch((e: Error) => e.message) }).toMatchObject({
        raw,
        msg: { type: 'error', code: ErrorCode.BadRequest },
      });
    }
    expect(s.rt.ws.readyState).toBe(s.rt.ws.OPEN);
    const { conversation } = await startConversation(s.rt, chat());
    s.rt.send({ type: 'conversation.end', conversationId: conversation.id });
    await s.rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
  });

  it('records a shopper who drops before an agent answers as abandoned once the reconnect grace has passed', async () => {
    const s = await shopper();
    const { conversation } = await startConversation(s.rt, chat());
    await s.rt.close();
    const rec = await waitFor(async () => {
      const r = await record(conversation.id);
      return r.endedAt ? r : null;
    }, 'the stored end');
    expect(rec).toMatchObject({ state: ConversationState.Abandoned, endedBy: EndedBy.Shopper, endReason: EndReason.Abandoned });
  });
});

describe('an agent who declined', () => {
  const RETRY_MS = 1000;
  const { ctx, track, shopper, record } = useStack({ RING_RETRY_AFTER_MS: String(RETRY_MS) });

  it('is offered the request again only after RING_RETRY_AFTER_MS', async () => {
    const alice = await agentConsole(ctx.stack, DEMO.alice, Presence.Available, track);
    const s = await shopper();
    const id = (await startConversation(s.rt, chat())).conversation.id;
    expect((await alice.rt.next('offer')).conversationId).toBe(id);
    alice.rt.send({ type: 'offer.decline', conversationId: id });
    expect(await alice.rt.next('offer.end')).toEqual({ type: 'offer.end', conversationId: id, reason: RingEndReason.Declined });
    await alice.rt.next('agent.self', { where: (m) => m.state === AgentState.Available });
    await alice.rt.expectNone('offer', RETRY_MS / 3);
    // Once the retry time has passed, the only agent there is offered it again.
    expect((await alice.rt.next('offer', { timeoutMs: RETRY_MS + 4000 })).conversationId).toBe(id);
    s.rt.send({ type: 'conversation.end', conversationId: id });
    await alice.rt.next('offer.end', { where: (m) => m.reason === RingEndReason.Cancelled });
    const rec = await record(id);
    expect(rec.offers.map((o) => [o.agentId, o.outcome])).toEqual([
      [alice.id, RingEndReason.Declined],
      [alice.id, RingEndReason.Cancelled],
    ]);
  });
});
