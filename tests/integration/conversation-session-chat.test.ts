/**
 * ConversationSession (client/conversation.ts) over the real RealtimeClient and the real server:
 * start and adoption, an agent's accept, chat both ways with every message shown once in seq
 * order, typing, seen marks, a refused message, the end.
 */
import { describe, expect, it } from 'vitest';
import { IssueType, ConversationState, CounterpartError, ErrorCode, MAX_CHAT_CHARS, MediaKind, Role } from '../../protocol/index';
import { delay, waitFor } from '../helpers/server';
import {
  CONTEXT,
  acceptWith,
  agentClient,
  chatWithAgent,
  range,
  seqs,
  sessionOn,
  shopperClient,
  storedMessages,
  useWorld,
  w,
} from '../helpers/session-clients';

useWorld();

describe('start', () => {
  it('starts once connected, adopts the conversation of the sync, reports the queue and persists the id', async () => {
    const c = await shopperClient(w);
    c.s.start({ channel: MediaKind.Video, issueType: IssueType.PreSale, language: 'en', context: CONTEXT });
    // Typed while the start is being answered: sent once the conversation exists.
    const early = c.s.send('anyone there?');
    expect(c.s.conversationId).toBeNull();
    c.rt.connect();
    const id = await waitFor(() => c.s.conversationId, 'the adopted conversation');
    expect(c.s.view).toMatchObject({ id, state: ConversationState.Queued, channel: MediaKind.Video });
    await waitFor(() => (c.r.queued.length > 0 ? true : null), 'conversation.queued');
    expect(c.r.queued[0]).toEqual({ position: 1, agentAvailable: false, expectedWaitMs: null });
    await waitFor(() => (c.s.pending.length === 0 ? true : null), 'the early message confirmed');
    expect(await storedMessages(w.stack, id)).toMatchObject([{ seq: 1, text: 'anyone there?', client_id: early.clientId, sender_role: Role.Shopper }]);
    expect(seqs(c.r.messages)).toEqual([1]);
    expect(c.r.persisted).toEqual([
      { conversationId: id, lastSeq: 0 },
      { conversationId: id, lastSeq: 1 },
    ]);
    expect(c.r.errors).toEqual([]);
    // One conversation on the server, this shopper's.
    expect(await w.stack.server.db('conversations').where({ shopper_id: c.me.id }).select('id')).toEqual([{ id }]);
  });

  it('the agent accepts: its session gets the conversation active with the messages typed while waiting', async () => {
    const shopper = await shopperClient(w);
    shopper.s.start({ channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', context: CONTEXT });
    shopper.rt.connect();
    await waitFor(() => shopper.s.conversationId, 'the adopted conversation');
    shopper.s.send('waiting 1');
    shopper.s.send('waiting 2');
    await waitFor(() => (shopper.r.messages.length === 2 ? true : null), 'both stored');
    const alice = await agentClient(w);
    const agent = await acceptWith(w, alice, shopper.s.conversationId!);
    expect(agent.r.messages.map((m) => [m.seq, m.text])).toEqual([
      [1, 'waiting 1'],
      [2, 'waiting 2'],
    ]);
    await waitFor(() => (shopper.s.view?.state === ConversationState.Active ? true : null), "the shopper's view, active");
    expect(shopper.s.view!.participants.map((p) => p.party)).toEqual([shopper.me, agent.me]);
    expect(agent.s.view!.participants.map((p) => p.party)).toEqual([shopper.me, agent.me]);
    expect(agent.r.errors).toEqual([]);
  });
  it('a refused start (the shopper’s budget of conversations) is an error of the starting session only', async () => {
    const c = await shopperClient(w);
    c.rt.connect();
    await waitFor(() => (c.rt.connected ? true : null), 'connected');
    const earlier = [];
    // Five starts in ten minutes per shopper session; these end at once (abandoned).
    for (let i = 0; i < 5; i++) {
      const x = sessionOn(w, c);
      x.s.start({ channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', context: CONTEXT });
      await waitFor(() => x.s.conversationId, `start ${i + 1}`);
      x.s.end();
      await waitFor(() => (x.s.view?.state === ConversationState.Abandoned ? true : null), `end ${i + 1}`);
      earlier.push(x);
    }
    const refused = sessionOn(w, c);
    refused.s.start({ channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', context: CONTEXT });
    await waitFor(() => (refused.r.errors.length > 0 ? true : null), 'the refusal');
    expect(refused.r.errors.map((e) => e.code)).toEqual([ErrorCode.RateLimited]);
    expect(refused.s.conversationId).toBeNull();
    expect(refused.r.persisted).toEqual([]);
    // Not the others' (they have conversations of their own, or never started).
    for (const x of [c, ...earlier]) expect(x.r.errors).toEqual([]);
    // Not started again on the next connection either.
    w.proxy.cutAll();
    await waitFor(() => (c.rt.connected ? true : null), 'reconnected');
    await delay(200);
    expect(await w.stack.server.db('conversations').where({ shopper_id: c.me.id }).count({ n: '*' })).toEqual([{ n: 5 }]);
  });
});

describe('chat', () => {
  it('both ways at once: every message shown exactly once, in seq order, on both sides, as stored', async () => {
    const { shopper, agent } = await chatWithAgent(w);
    const id = shopper.s.conversationId!;
    // Not awaited: the sends race each other on two sockets, each side sees the other's and its own.
    for (let i = 1; i <= 6; i++) {
      shopper.s.send(`  shopper ${i}  `);
      agent.s.send(`agent ${i}`);
    }
    expect(shopper.s.pending.map((p) => p.text)).toEqual(range(1, 6).map((i) => `shopper ${i}`));
    await waitFor(() => (shopper.r.messages.length >= 12 && agent.r.messages.length >= 12 ? true : null), 'twelve messages on both sides');
    await delay(200);
    const stored = await storedMessages(w.stack, id);
    expect(seqs(stored)).toEqual(range(1, 12));
    for (const side of [shopper, agent]) {
      expect(side.r.messages.map((m) => [m.seq, m.id, m.text])).toEqual(stored.map((m) => [m.seq, m.id, m.text]));
      expect(side.s.messages).toEqual(side.r.messages);
      expect(side.s.pending).toEqual([]);
      expect(side.s.lastSeq).toBe(12);
      expect(side.r.errors).toEqual([]);
    }
    // Each side's own messages in the order it sent them; trimmed.
    expect(stored.filter((m) => m.sender_role === Role.Shopper).map((m) => m.text)).toEqual(range(1, 6).map((i) => `shopper ${i}`));
    expect(stored.filter((m) => m.sender_role === Role.Agent).map((m) => m.text)).toEqual(range(1, 6).map((i) => `agent ${i}`));
    // Pending went 1..6 and back to 0 as the server's copies came back.
    expect(shopper.r.pending.slice(0, 6)).toEqual(range(1, 6));
    expect(shopper.r.pending.at(-1)).toBe(0);
    expect(shopper.s.persistable()).toEqual({ conversationId: id, lastSeq: 12 });
  });

  it('typing reaches the other side (not the typer), at most once per interval', async () => {
    const { shopper, agent } = await chatWithAgent(w);
    shopper.s.typing();
    shopper.s.typing();
    await waitFor(() => (agent.r.typing.length > 0 ? true : null), "the shopper's typing at the agent");
    agent.s.typing();
    await waitFor(() => (shopper.r.typing.length > 0 ? true : null), "the agent's typing at the shopper");
    await delay(300);
    expect(agent.r.typing).toEqual([{ party: shopper.me, name: expect.any(String) }]);
    expect(shopper.r.typing).toEqual([{ party: agent.me, name: 'Alice Martin' }]);
  });

  it('seen marks: delivered as messages arrive, read on markSeen; the other side sees both', async () => {
    const { shopper, agent } = await chatWithAgent(w);
    const marksOf = (who: typeof agent) => {
      const p = shopper.s.view?.participants.find((x) => x.party.role === who.me.role && x.party.id === who.me.id);
      return p ? [p.deliveredSeq, p.readSeq] : null;
    };
    shopper.s.send('one');
    shopper.s.send('two');
    await waitFor(() => (agent.r.messages.length === 2 ? true : null), 'both at the agent');
    await waitFor(() => (marksOf(agent)?.[0] === 2 ? true : null), 'delivered 2, seen by the shopper');
    expect(marksOf(agent)).toEqual([2, 0]);
    agent.s.markSeen();
    await waitFor(() => (marksOf(agent)?.[1] === 2 ? true : null), 'read 2, seen by the shopper', 4000);
    expect(marksOf(agent)).toEqual([2, 2]);
    const stored = await w.stack.server.db('participants').where({ conversation_id: shopper.s.conversationId, role: Role.Agent }).first('delivered_seq', 'read_seq');
    expect(stored).toEqual({ delivered_seq: 2, read_seq: 2 });
  });

  it('a message the server refuses (the chat budget) leaves the pending list with an error; the rest are stored once', async () => {
    const c = await shopperClient(w);
    c.s.start({ channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', context: CONTEXT });
    c.rt.connect();
    const id = await waitFor(() => c.s.conversationId, 'the adopted conversation');
    // The client's own checks: nothing leaves.
    expect(() => c.s.send('   ')).toThrow(CounterpartError);
    expect(() => c.s.send('x'.repeat(MAX_CHAT_CHARS + 1))).toThrow(CounterpartError);
    // Sixty a minute per shopper; paced under the socket's own rate (10 a second after a burst of 30).
    const sent = [];
    for (let i = 1; i <= 60; i++) {
      sent.push(c.s.send(`budget ${i}`));
      await delay(i < 25 ? 5 : 110);
    }
    await waitFor(() => (c.s.pending.length === 0 ? true : null), 'the sixty confirmed', 8000);
    const over = c.s.send('one too many');
    expect(c.s.pending).toEqual([over]);
    await waitFor(() => (c.r.errors.length > 0 ? true : null), 'the refusal');
    expect(c.r.errors.map((e) => e.code)).toEqual([ErrorCode.RateLimited]);
    expect(c.s.pending).toEqual([]);
    expect(c.r.pending.slice(-2)).toEqual([1, 0]);
    const stored = await storedMessages(w.stack, id);
    expect(stored.map((m) => m.client_id)).toEqual(sent.map((p) => p.clientId));
    expect(seqs(c.r.messages)).toEqual(range(1, 60));
    // Not resent after a reconnect either.
    w.proxy.cutAll();
    await waitFor(() => (c.rt.connected ? true : null), 'reconnected');
    await delay(300);
    expect(await storedMessages(w.stack, id)).toHaveLength(60);
  }, 30_000);
});

describe('the end', () => {
  it('ends for both: terminal views, forgotten by the pages, no new messages', async () => {
    const { shopper, agent } = await chatWithAgent(w);
    shopper.s.send('bye');
    await waitFor(() => (agent.r.messages.length === 1 ? true : null), 'the message at the agent');
    agent.s.end();
    for (const side of [shopper, agent]) {
      await waitFor(() => (side.s.view?.state === ConversationState.Closed ? true : null), 'closed');
      expect(side.r.persisted.at(-1)).toBeNull();
      expect(side.s.persistable()).toBeNull();
      expect(() => side.s.send('hello?')).toThrow(expect.objectContaining({ code: ErrorCode.InvalidTransition }));
    }
    expect(shopper.s.view).toMatchObject({ endedBy: 'agent', endReason: 'hangup' });
  });
});
