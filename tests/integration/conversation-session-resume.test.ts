/**
 * ConversationSession over the real RealtimeClient and server, through a WebSocket proxy that
 * cuts the network: pending messages resent after a reconnect and stored once, resume after a
 * reload, long histories in pages, a conversation that is gone, a channel shared by sessions.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IssueType, ConversationState, ErrorCode, MediaKind, SYNC_PAGE, parseServerMessage, type ClientMessageOf } from '../../protocol/index';
import { delay, waitFor } from '../helpers/server';
import {
  CONTEXT,
  chatWithAgent,
  insertMessages,
  range,
  seqs,
  sessionOn,
  shopperClient,
  shopperInChat,
  storedMessages,
  tap,
  useWorld,
  w,
} from '../helpers/session-clients';

useWorld();

const resumes = (frames: { type: string }[]) => frames.filter((m): m is ClientMessageOf<'conversation.resume'> => m.type === 'conversation.resume');

describe('reconnects', () => {
  it('messages typed while the network is down go after the reconnect, in order, each stored once; what was missed is fetched', async () => {
    const { shopper, agent } = await chatWithAgent(w);
    const id = shopper.s.conversationId!;
    shopper.s.send('before');
    await waitFor(() => (agent.r.messages.length === 1 ? true : null), 'the first message at the agent');
    w.proxy.refusing = true;
    w.proxy.cutAll();
    await waitFor(() => (shopper.rt.connected ? null : true), 'the shopper disconnected');
    const pending = ['one', 'two', 'three'].map((t) => shopper.s.send(t));
    agent.s.send('while you were away');
    await waitFor(() => (agent.r.messages.length === 2 ? true : null), "the agent's own message");
    await delay(200);
    expect((await storedMessages(w.stack, id)).map((m) => m.text)).toEqual(['before', 'while you were away']);
    expect(shopper.s.pending).toEqual(pending);
    // Typed the moment the socket is back, while the resume is under way: it goes after the others.
    const off = shopper.rt.on('connected', () => {
      off();
      shopper.s.send('four');
    });
    const frames = tap(w.proxy);
    w.proxy.refusing = false;
    await waitFor(() => (shopper.s.pending.length === 0 && shopper.r.messages.length === 6 ? true : null), 'all confirmed');
    const stored = await storedMessages(w.stack, id);
    expect(stored.map((m) => m.text)).toEqual(['before', 'while you were away', 'one', 'two', 'three', 'four']);
    expect(shopper.r.messages.map((m) => [m.seq, m.id])).toEqual(stored.map((m) => [m.seq, m.id]));
    await waitFor(() => (agent.r.messages.length === 6 ? true : null), 'all at the agent');
    expect(seqs(agent.r.messages)).toEqual(range(1, 6));
    // The resume asked after what the page held, and the pending messages went once, after its sync.
    expect(resumes(frames.fromClient)[0]).toEqual({ type: 'conversation.resume', conversationId: id, afterSeq: 1 });
    const sends = frames.fromClient.filter((m) => m.type === 'chat.send');
    expect(sends.map((m) => m.type === 'chat.send' && m.text)).toEqual(['one', 'two', 'three', 'four']);
    expect(frames.fromClient.findIndex((m) => m.type === 'chat.send')).toBeGreaterThan(frames.fromClient.findIndex((m) => m.type === 'conversation.resume'));
  });

  it('a message stored while its answer was lost with the connection is confirmed by the resume after the reconnect: not sent again, shown once', async () => {
    const { shopper, agent } = await chatWithAgent(w);
    const id = shopper.s.conversationId!;
    let sends = 0;
    const deaf = new Set<number>();
    // The chat.send reaches the server; from then on nothing reaches the client on that connection.
    w.proxy.policy = {
      fromClient(d, l) {
        if ((JSON.parse(d) as { type: string }).type === 'chat.send') {
          sends++;
          deaf.add(l.id);
        }
        l.toServer(d);
      },
      fromServer(d, l) {
        if (!deaf.has(l.id)) l.toClient(d);
      },
    };
    const p = shopper.s.send('did you get this?');
    await waitFor(async () => ((await storedMessages(w.stack, id)).length === 1 ? true : null), 'stored');
    await delay(100);
    expect(shopper.s.pending).toEqual([p]);
    expect(shopper.r.messages).toEqual([]);
    w.proxy.cutAll();
    await waitFor(() => (shopper.s.pending.length === 0 ? true : null), 'confirmed after the reconnect');
    // The resume's sync holds it: settled there, so not resent (the pending list is flushed after the sync).
    expect(sends).toBe(1);
    expect(await storedMessages(w.stack, id)).toMatchObject([{ seq: 1, client_id: p.clientId, text: 'did you get this?' }]);
    expect(seqs(shopper.r.messages)).toEqual([1]);
    await delay(200);
    expect(seqs(agent.r.messages)).toEqual([1]);
  });
  it('a message typed after the socket opens but before the server’s hello waits behind the older pending ones', async () => {
    const { shopper } = await chatWithAgent(w);
    const id = shopper.s.conversationId!;
    w.proxy.refusing = true;
    w.proxy.cutAll();
    await waitFor(() => (shopper.rt.connected ? null : true), 'the shopper disconnected');
    shopper.s.send('one');
    // The next connection is slow: the server's frames (hello first) arrive 400 ms late, in order.
    w.proxy.policy = { fromClient: (d, l) => l.toServer(d), fromServer: (d, l) => void setTimeout(() => l.toClient(d), 400) };
    w.proxy.refusing = false;
    await waitFor(() => (shopper.rt.connected ? true : null), 'the socket open again');
    shopper.s.send('two');
    await waitFor(() => (shopper.s.pending.length === 0 ? true : null), 'both confirmed');
    expect((await storedMessages(w.stack, id)).map((m) => m.text)).toEqual(['one', 'two']);
    expect(shopper.r.messages.map((m) => m.text)).toEqual(['one', 'two']);
  });
  it('a message past a gap waits for it; one resume fills the gap; each shown once, in order', async () => {
    const { shopper, agent } = await chatWithAgent(w);
    const id = shopper.s.conversationId!;
    let late: (() => void) | null = null;
    const asked: number[] = [];
    // The first chat.message to the shopper is held back: the second arrives first.
    w.proxy.policy = {
      fromClient(d, l) {
        const m = JSON.parse(d) as { type: string; afterSeq?: number };
        if (m.type === 'conversation.resume') asked.push(m.afterSeq!);
        l.toServer(d);
      },
      fromServer(d, l) {
        const m = parseServerMessage(d);
        if (m?.type === 'chat.message' && !late) late = () => l.toClient(d);
        else l.toClient(d);
      },
    };
    agent.s.send('first');
    await waitFor(() => (late ? true : null), 'the first held back');
    agent.s.send('second');
    await waitFor(() => (shopper.r.messages.length === 2 ? true : null), 'both shown');
    expect(asked).toEqual([0]);
    late!();
    await delay(200);
    expect(shopper.r.messages.map((m) => [m.seq, m.text])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
    expect(seqs(await storedMessages(w.stack, id))).toEqual([1, 2]);
  });
});

describe('reload', () => {
  it('a new page with the stored id and lastSeq 0 gets the whole history in order; with lastSeq k, what follows k', async () => {
    const { shopper, agent } = await chatWithAgent(w);
    const id = shopper.s.conversationId!;
    for (let i = 1; i <= 5; i++) (i % 2 ? shopper : agent).s.send(`m${i}`);
    await waitFor(() => (shopper.r.messages.length === 5 ? true : null), 'five messages');
    expect(shopper.r.persisted.at(-1)).toEqual({ conversationId: id, lastSeq: 5 });
    // Closing is local: the conversation goes on, the closed session emits nothing more.
    shopper.s.close();
    agent.s.send('m6 while the page reloads');
    await waitFor(() => (agent.r.messages.length === 6 ? true : null), 'the agent’s message stored');
    await delay(200);
    expect(shopper.r.messages).toHaveLength(5);
    expect(agent.s.view?.state).toBe(ConversationState.Active);
    shopper.rt.close();

    const page = await shopperClient(w, { session: shopper.session, conversationId: id, lastSeq: 0 });
    page.rt.connect();
    await waitFor(() => (page.r.messages.length === 6 ? true : null), 'the history');
    await delay(200);
    const stored = await storedMessages(w.stack, id);
    expect(page.r.messages.map((m) => [m.seq, m.id, m.text])).toEqual(stored.map((m) => [m.seq, m.id, m.text]));
    expect(seqs(page.r.messages)).toEqual(range(1, 6));
    expect(page.s.view?.state).toBe(ConversationState.Active);
    expect(page.r.gone).toBe(0);
    page.s.send('back again');
    await waitFor(() => (agent.r.messages.length === 7 ? true : null), 'the reloaded page’s message at the agent');
    expect(agent.r.messages.at(-1)).toMatchObject({ seq: 7, text: 'back again', sender: shopper.me });
    page.s.close();
    page.rt.close();

    const later = await shopperClient(w, { session: shopper.session, conversationId: id, lastSeq: 4 });
    later.rt.connect();
    await waitFor(() => (later.r.messages.length === 3 ? true : null), 'what follows seq 4');
    await delay(200);
    expect(seqs(later.r.messages)).toEqual([5, 6, 7]);
  });

  it(`a long history comes in pages of ${SYNC_PAGE} (more: true) and is shown once, in order`, async () => {
    const c = await shopperInChat(w);
    const id = c.s.conversationId!;
    await insertMessages(w.stack, id, c.me.id, 2 * SYNC_PAGE + 50);
    const N = 2 * SYNC_PAGE + 50;
    c.s.close();
    c.rt.close();
    const page = await shopperClient(w, { session: c.session, conversationId: id, lastSeq: 0 });
    const frames = tap(w.proxy);
    page.rt.connect();
    await waitFor(() => (page.r.messages.length === N ? true : null), `${N} messages`);
    page.s.send('and one more');
    await waitFor(() => (page.s.pending.length === 0 ? true : null), 'the new one confirmed');
    await delay(200);
    expect(seqs(page.r.messages)).toEqual(range(1, N + 1));
    expect(page.r.messages.at(-1)?.text).toBe('and one more');
    expect(page.s.persistable()).toEqual({ conversationId: id, lastSeq: N + 1 });
    // It asked for the next page after each one the server said had more.
    const asked = resumes(frames.fromClient).map((m) => m.afterSeq);
    expect(asked).toEqual(expect.arrayContaining([0, SYNC_PAGE, 2 * SYNC_PAGE]));
    const pages = frames.fromServer.filter((m) => m.type === 'conversation.sync' && m.messages.length === SYNC_PAGE);
    expect(pages.every((m) => m.type === 'conversation.sync' && m.more)).toBe(true);
  });
});

describe('gone and shared channels', () => {
  it('a stored conversation that does not exist, or is not this shopper’s, is gone: forgotten, no error', async () => {
    const other = await shopperInChat(w);
    const c = await shopperClient(w, { conversationId: randomUUID(), lastSeq: 3 });
    const theirs = sessionOn(w, c, { conversationId: other.s.conversationId!, lastSeq: 0 });
    c.rt.connect();
    await waitFor(() => (c.r.gone === 1 && theirs.r.gone === 1 ? true : null), 'both gone');
    for (const r of [c.r, theirs.r]) {
      expect(r.errors).toEqual([]);
      expect(r.persisted).toEqual([null]);
      expect(r.messages).toEqual([]);
    }
    expect(c.s.persistable()).toBeNull();
    expect(theirs.s.view).toBeNull();
    // Not asked again after a reconnect.
    const frames = tap(w.proxy);
    w.proxy.cutAll();
    await waitFor(() => (c.rt.connected ? true : null), 'reconnected');
    await delay(200);
    expect(resumes(frames.fromClient).filter((m) => m.conversationId !== other.s.conversationId)).toEqual([]);
    expect(c.r.gone).toBe(1);
    // The other shopper's conversation is untouched.
    expect(other.s.view?.state).toBe(ConversationState.Queued);
    expect(other.r.gone).toBe(0);
  });

  it('sessions sharing a channel each take their own conversation’s messages and errors; an ended one still resumes', async () => {
    const c = await shopperInChat(w);
    const a = c.s.conversationId!;
    c.s.send('in A');
    await waitFor(() => (c.r.messages.length === 1 ? true : null), 'A’s message');
    c.s.end();
    await waitFor(() => (c.s.view?.state === ConversationState.Abandoned ? true : null), 'A abandoned');

    const second = sessionOn(w, c);
    second.s.start({ channel: MediaKind.Chat, issueType: IssueType.PreSale, language: 'en', context: CONTEXT });
    const b = await waitFor(() => second.s.conversationId, 'B adopted');
    expect(b).not.toBe(a);
    second.s.send('in B');
    await waitFor(() => (second.r.messages.length === 1 ? true : null), 'B’s message');
    // No proposal to answer: refused, and only B's session hears of it.
    second.s.answerMedia(true);
    await waitFor(() => (second.r.errors.length === 1 ? true : null), 'the refusal');
    expect(second.r.errors[0]?.code).toBe(ErrorCode.InvalidTransition);
    expect(second.r.messages.map((m) => m.text)).toEqual(['in B']);
    expect(c.r.messages.map((m) => m.text)).toEqual(['in A']);
    expect(c.r.errors).toEqual([]);
    expect(c.s.view?.id).toBe(a);

    // The ended conversation's history is still readable; it is not persisted (it is over).
    const frames = tap(w.proxy);
    const history = sessionOn(w, c, { conversationId: a, lastSeq: 0 });
    history.s.resume();
    await waitFor(() => (history.r.messages.length === 1 ? true : null), 'A’s history');
    expect(history.s.view?.state).toBe(ConversationState.Abandoned);
    // Nothing is sent about a conversation that is over (a chat.seen would be refused as not found).
    await delay(1200);
    expect(frames.fromClient.filter((m) => 'conversationId' in m && m.conversationId === a)).toEqual([{ type: 'conversation.resume', conversationId: a, afterSeq: 0 }]);
    expect([history.r.gone, c.r.gone]).toEqual([0, 0]);
    expect([...history.r.errors, ...c.r.errors]).toEqual([]);
    expect(history.s.persistable()).toBeNull();
    expect(second.r.messages.map((m) => m.text)).toEqual(['in B']);
  });
});
