/**
 * The conversation messages of the realtime channel under bad input, on the real server process:
 * malformed and oversize messages of every type get `error` bad_request and change nothing; valid
 * messages about someone else's conversation get the code that says so and change nothing;
 * transitions the table refuses get theirs; chat floods meet the per-owner budget; generated
 * junk from participants of a live conversation never crashes a handler nor gets an answer that
 * is not a valid ServerMessage.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientMessage,
  ConversationRecord,
  ConversationState,
  ErrorCode,
  MAX_CHAT_CHARS,
  MAX_MESSAGES_PER_CONVERSATION as MAX,
  MediaKind,
  MediaPath,
  MAX_REALTIME_BYTES,
  MessagePage,
  SYNC_PAGE,
  type ServerMessage,
} from '../../protocol/index';
import { hostileOf } from '../helpers/arbitrary';
import { shopperInConversation, startMessage, type ShopperInConversation } from '../helpers/conversations';
import { freshDataDir, spawnServer, testEnv } from '../helpers/process';
import { bearer, delay, httpRequest, rtcCredentials } from '../helpers/server';
import { openRealtime, type RealtimeClient } from '../helpers/sockets';
import { asStack, expectClearRefusal, expectHealthy, say, twoConversations, upload, withDb, type Agent, type TwoConversations } from './support';

let srv: TwoConversations['srv'];
let alice: Agent, bob: Agent, sam: Agent;
/** X: shopper A with alice. Y: shopper B with bob. */
let a: ShopperInConversation, b: ShopperInConversation;
let X: string;

beforeAll(async () => {
  ({ srv, alice, a, X, bob, b, sam } = await twoConversations({ RECONNECT_GRACE_MS: '5000' }));
  await sam.rt.next('snapshot');
});
afterAll(async () => {
  for (const c of [a?.rt, b?.rt, alice?.rt, bob?.rt, sam?.rt]) c?.ws.terminate();
  await srv?.cleanup();
});

/** Another socket of the same owner (the previous one may still be closing on the server: its cap is per owner). */
async function extraSocket(token: string): Promise<RealtimeClient> {
  for (let i = 0; ; i++) {
    try {
      return await openRealtime(srv.url, token);
    } catch (err) {
      if (i >= 3) throw err;
      await delay(100);
    }
  }
}

let markers = 0;
/** Sends messages, then a marker; returns the answers (errors and syncs) that came before the marker's. */
async function answersTo(rt: RealtimeClient, msgs: unknown[]): Promise<ServerMessage[]> {
  const from = rt.received.length;
  for (const m of msgs) rt.sendRaw(JSON.stringify(m));
  const marker = `marker-${++markers}`;
  rt.send({ type: 'conversation.resume', conversationId: marker, afterSeq: 0 });
  await rt.next('error', { where: (e) => e.conversationId === marker });
  return rt.received.slice(from).filter((m) => (m.type === 'error' && m.conversationId !== marker) || m.type === 'conversation.sync');
}
const codes = (answers: ServerMessage[]) => answers.map((m) => (m.type === 'error' ? m.code : m.type));

const record = async () => {
  const r = await httpRequest(`${srv.url}/api/conversations/${X}`, { headers: bearer(sam.login.token) });
  return ConversationRecord.parse(r.json);
};
const messagesOf = async (id: string, token: string, url = srv.url, after = 0) =>
  MessagePage.parse((await httpRequest(`${url}/api/conversations/${id}/messages?after=${after}`, { headers: bearer(token) })).json);
const sample = { rttMs: 20, jitterMs: 1, lossPct: 0, bitrateKbps: 900, localCandidate: 'host', remoteCandidate: 'srflx' };

describe('malformed and oversize messages', () => {
  it('every conversation message type, malformed or oversize: error bad_request, nothing stored or relayed', async () => {
    const before = await record();
    const send = { type: 'chat.send', conversationId: X, clientId: 'client-0001', text: 'hi' };
    const cases: unknown[] = [
      { type: 'chat.send', clientId: 'client-0001', text: 'no conversation' },
      { ...send, clientId: 'short' },
      { ...send, clientId: 'has spaces in it' },
      { ...send, clientId: 'a'.repeat(65) },
      { ...send, text: '' },
      { ...send, text: ' \n\t ' },
      { ...send, text: 'x'.repeat(MAX_CHAT_CHARS + 1) },
      { ...send, text: { html: '<b>hi</b>' } },
      { ...send, conversationId: 'x'.repeat(129) },
      { ...send, conversationId: '' },
      { type: 'chat.typing', conversationId: 42 },
      { type: 'chat.seen', conversationId: X, deliveredSeq: -1, readSeq: 0 },
      { type: 'chat.seen', conversationId: X, deliveredSeq: 1.5, readSeq: 1 },
      { type: 'chat.seen', conversationId: X, deliveredSeq: 2 ** 53, readSeq: 1 },
      { type: 'chat.seen', conversationId: X, deliveredSeq: 1, readSeq: '1' },
      { type: 'conversation.resume', conversationId: X, afterSeq: -1 },
      { type: 'conversation.resume', conversationId: X },
      { type: 'conversation.resume', conversationId: null, afterSeq: 0 },
      { type: 'conversation.end' },
      { type: 'offer.accept', conversationId: {} },
      { type: 'offer.decline', conversationId: [X] },
      { type: 'media.propose', conversationId: X, kind: MediaKind.Chat },
      { type: 'media.propose', conversationId: X, kind: 'screen' },
      { type: 'media.answer', conversationId: X, accept: 'yes' },
      { type: 'media.stop', conversationId: null },
      { type: 'media.join', conversationId: X, peerId: '' },
      { type: 'media.join', conversationId: X, peerId: 'p'.repeat(129) },
      { type: 'media.path', conversationId: X, path: 'teleporting' },
      { type: 'qos.sample', conversationId: X },
      { type: 'qos.sample', conversationId: X, sample: { ...sample, lossPct: 101 } },
      { type: 'qos.sample', conversationId: X, sample: { ...sample, rttMs: -1 } },
      { type: 'qos.sample', conversationId: X, sample: { ...sample, localCandidate: 'mdns' } },
      { type: 'qos.sample', conversationId: X, sample: { ...sample, bitrateKbps: 2e6 } },
      { type: 'qos.sample', conversationId: X, sample: { ...sample, jitterMs: 'NaN' } },
      // A start with what it is about unknown, or a language that is not a language code.
      { type: 'conversation.start', channel: 'chat', issueType: 'refund', language: 'en', context: { productId: null, pageUrl: 'http://shop.test/' } },
      { type: 'conversation.start', channel: 'chat', language: 'en', context: { productId: null, pageUrl: 'http://shop.test/' } },
      { type: 'conversation.start', channel: 'chat', issueType: 'order', language: 'zh-CN', context: { productId: null, pageUrl: 'http://shop.test/' } },
      { type: 'conversation.start', channel: 'chat', issueType: 'order', language: '<b>en</b>', context: { productId: null, pageUrl: 'http://shop.test/' } },
      { type: 'conversation.start', channel: 'chat', issueType: 'order', language: 42, context: { productId: null, pageUrl: 'http://shop.test/' } },
      { type: 'presence.set', presence: 'wrap_up' },
      // The protocol this server no longer speaks.
      { type: 'call.request', media: MediaKind.Video, context: { productId: null, pageUrl: 'http://shop.test/' } },
      { type: 'call.hangup', callId: X },
      { conversationId: X, text: 'no type' },
      [{ type: 'chat.typing', conversationId: X }],
      'chat.send',
      null,
    ];
    // Nine at most per socket: the tenth invalid message closes it (tested in sockets.test.ts).
    for (let i = 0; i < cases.length; i += 9) {
      const chunk = cases.slice(i, i + 9);
      const rt = await extraSocket(a.token);
      try {
        const errors = (await answersTo(rt, chunk)).filter((m) => m.type === 'error');
        expect(errors.map((m, j) => [JSON.stringify(chunk[j]).slice(0, 80), m.code, m.conversationId])).toEqual(
          chunk.map((c) => [JSON.stringify(c).slice(0, 80), ErrorCode.BadRequest, undefined]),
        );
        for (const m of errors) expect(m.message.length).toBeGreaterThan(0);
        expect(rt.invalid).toEqual([]);
      } finally {
        await rt.close();
      }
    }
    expect(await record()).toEqual(before);
    for (const rt of [alice.rt, a.rt]) expect(rt.received.filter((m) => m.type === 'chat.typing' || m.type === 'chat.message')).toEqual([]);
    await expectHealthy(srv);
  });
});

describe("someone else's conversation", () => {
  it('valid messages about a conversation you are not in: the code that says so, with its id; nothing changes', async () => {
    const before = await record();
    const msgs = [
      { type: 'chat.send', conversationId: X, clientId: 'stranger-01', text: 'injected' },
      { type: 'chat.typing', conversationId: X },
      { type: 'chat.seen', conversationId: X, deliveredSeq: 1, readSeq: 1 },
      { type: 'media.propose', conversationId: X, kind: MediaKind.Video },
      { type: 'media.answer', conversationId: X, accept: true },
      { type: 'media.stop', conversationId: X },
      { type: 'media.join', conversationId: X, peerId: 's-0123-0123456789abcdef01' },
      { type: 'media.path', conversationId: X, path: MediaPath.Flowing },
      { type: 'qos.sample', conversationId: X, sample },
      { type: 'offer.accept', conversationId: X },
      { type: 'offer.decline', conversationId: X },
      { type: 'conversation.end', conversationId: X },
      { type: 'conversation.resume', conversationId: X, afterSeq: 0 },
    ];
    const notFound = Array<string>(9).fill(ErrorCode.ConversationNotFound);
    const expected: [RealtimeClient, string[]][] = [
      // Shopper B (in Y), bob (agent of Y) and sam (supervisor: may read, not act).
      [b.rt, [...notFound, ErrorCode.Forbidden, ErrorCode.Forbidden, ErrorCode.ConversationNotFound, ErrorCode.ConversationNotFound]],
      [bob.rt, [...notFound, ErrorCode.NotOffered, ErrorCode.NotOffered, ErrorCode.ConversationNotFound, ErrorCode.ConversationNotFound]],
      [sam.rt, [...notFound, ErrorCode.Forbidden, ErrorCode.Forbidden, ErrorCode.ConversationNotFound, 'conversation.sync']],
    ];
    for (const [rt, want] of expected) {
      const answers = await answersTo(rt, msgs);
      expect(codes(answers)).toEqual(want);
      for (const m of answers) expect(m.type === 'error' ? m.conversationId : m.type === 'conversation.sync' && m.conversation.id).toBe(X);
    }
    expect(await record()).toEqual(before);
    await a.rt.expectNone('chat.typing', 200);
    for (const rt of [alice.rt, a.rt]) expect(rt.received.filter((m) => m.type === 'chat.message' || m.type === 'chat.typing')).toEqual([]);
    await expectHealthy(srv);
  });
});

describe('transitions the table refuses', () => {
  it('answers, proposals, joins and offers out of turn get their code; peers not yours are refused; marks never pass the last message', async () => {
    const ask = async (rt: RealtimeClient, msg: ClientMessage) => codes(await answersTo(rt, [msg]));
    expect(await ask(a.rt, { type: 'media.answer', conversationId: X, accept: true })).toEqual([ErrorCode.InvalidTransition]);
    expect(await ask(a.rt, { type: 'media.join', conversationId: X, peerId: (await rtcCredentials(srv.url, a.token)).peerId })).toEqual([ErrorCode.InvalidTransition]);
    // One conversation per shopper: a second start gets the live one back (or is refused), never a new one.
    const again = await answersTo(a.rt, [startMessage()]);
    expect(again.map((m) => (m.type === 'conversation.sync' ? m.conversation.id : m.type === 'error' && m.code))).toEqual([
      expect.toSatisfy((v) => v === X || v === ErrorCode.AlreadyInConversation),
    ]);
    expect(await ask(alice.rt, { type: 'offer.accept', conversationId: X })).toEqual([ErrorCode.NotOffered]);
    expect(await ask(alice.rt, { type: 'offer.decline', conversationId: X })).toEqual([ErrorCode.NotOffered]);
    expect(await ask(a.rt, { type: 'media.propose', conversationId: X, kind: MediaKind.Video })).toEqual([]);
    expect(await ask(a.rt, { type: 'media.answer', conversationId: X, accept: true })).toEqual([ErrorCode.InvalidTransition]);
    expect(await ask(alice.rt, { type: 'media.answer', conversationId: X, accept: true })).toEqual([]);
    await a.rt.next('conversation.update', { where: (m) => m.conversation.media !== null });
    expect(await ask(a.rt, { type: 'media.propose', conversationId: X, kind: MediaKind.Voice })).toEqual([ErrorCode.InvalidTransition]);
    // Peer ids of someone else (the agent's, another shopper's) or not minted at all.
    for (const peerId of [
      (await rtcCredentials(srv.url, alice.login.token)).peerId,
      (await rtcCredentials(srv.url, b.token)).peerId,
      `s-${a.shopperId}-not-a-nonce`,
      `s-${a.shopperId}-0123456789abcdef01/../x`,
    ])
      expect(await ask(a.rt, { type: 'media.join', conversationId: X, peerId })).toEqual([ErrorCode.PeerNotOwned]);
    expect(await ask(a.rt, { type: 'media.stop', conversationId: X })).toEqual([]);
    await a.rt.next('conversation.update', { where: (m) => m.conversation.media === null });
    // A queued conversation has nobody to propose to.
    const queued = await shopperInConversation(asStack(srv), { start: startMessage({ channel: MediaKind.Chat }) });
    expect(await ask(queued.rt, { type: 'media.propose', conversationId: queued.conversationId, kind: MediaKind.Video })).toEqual([ErrorCode.InvalidTransition]);
    // Marks: far beyond the last message, they stop at it.
    const last = (await say(a.rt, X, 'mark-check-1', 'marks')).seq;
    expect(await ask(a.rt, { type: 'chat.seen', conversationId: X, deliveredSeq: Number.MAX_SAFE_INTEGER, readSeq: Number.MAX_SAFE_INTEGER })).toEqual([]);
    const me = (await record()).participants.find((p) => p.party.id === a.shopperId)!;
    expect([me.deliveredSeq, me.readSeq]).toEqual([last, last]);
    queued.rt.ws.terminate();
    await expectHealthy(srv);
  });
});

describe('chat', () => {
  it('a resend with the same clientId is stored once and answered with the stored message', async () => {
    const first = await say(a.rt, X, 'resend-0001', 'Did this arrive?');
    const count = (await messagesOf(X, a.token)).messages.length;
    const answers = await (async () => {
      const from = a.rt.received.length;
      await answersTo(a.rt, [{ type: 'chat.send', conversationId: X, clientId: 'resend-0001', text: 'Did this arrive?' }]);
      return a.rt.received.slice(from).filter((m) => m.type === 'chat.message');
    })();
    expect((await messagesOf(X, a.token)).messages.length).toBe(count);
    // docs/conversations.md: "A resend with the same clientId is stored once and answered with the stored message."
    expect(answers.map((m) => m.type === 'chat.message' && m.message.id)).toEqual([first.id]);
  });

  it('conversation.start is answered by conversation.sync before anything else about the new conversation', async () => {
    const c = await shopperInConversation(asStack(srv), { start: startMessage({ channel: MediaKind.Chat }) });
    const about = c.rt.received.filter((m) => 'conversationId' in m || 'conversation' in m);
    expect(about[0]?.type).toBe('conversation.sync');
    c.rt.ws.terminate();
  });

  it("a chat flood meets the owner's budget across its sockets; others chat on", async () => {
    const c = await shopperInConversation(asStack(srv), { start: startMessage({ channel: MediaKind.Chat }) });
    const second = await extraSocket(c.token);
    // Paced below each socket's own rate (10 a second), alternating sockets: only the owner's chat budget can refuse.
    for (let i = 0; i < 65; i++) {
      const over = i >= 60;
      (i % 2 ? second : c.rt).send({ type: 'chat.send', conversationId: c.conversationId, clientId: `${over ? 'over' : 'flood'}-${String(i).padStart(4, '0')}`, text: `flood ${i}` });
      await delay(60);
    }
    const refused = await Promise.all([c.rt, second].map((rt, k) => Promise.all(Array.from({ length: k ? 2 : 3 }, () => rt.next('error', { where: (e) => e.conversationId === c.conversationId })))));
    expect(refused.flat().map((e) => e.code)).toEqual(Array(5).fill(ErrorCode.RateLimited));
    const stored = (await messagesOf(c.conversationId, c.token)).messages;
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(stored.some((m) => m.clientId?.startsWith('over-'))).toBe(false);
    expect((await say(alice.rt, X, 'not-flooded', 'Still here')).seq).toBeGreaterThan(0);
    for (const rt of [c.rt, second]) rt.ws.terminate();
    await expectHealthy(srv);
  });
});

describe('generated junk from participants', () => {
  it('never crashes a handler nor gets an answer that is not a valid message; the conversation lives on', async () => {
    const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    // Half of the messages that name a conversation name the live one — not its end nor a transfer: a valid
    // one (the generator makes some) would rightly end it or hand it on, and stop the run short.
    const ends = new Set<unknown>(['conversation.end', 'conversation.transfer']);
    const junk = fc
      .tuple(hostileOf(ClientMessage), fc.boolean())
      .map(([m, aim]) => (aim && isObject(m) && 'conversationId' in m && !ends.has(m.type) ? { ...m, conversationId: X } : m));
    await fc.assert(
      fc.asyncProperty(fc.array(junk, { minLength: 1, maxLength: 8 }), fc.boolean(), async (msgs, asAgent) => {
        const rt = await extraSocket(asAgent ? alice.login.token : a.token);
        try {
          const frames = msgs.map((m) => JSON.stringify(m));
          const oversize = frames.findIndex((f) => Buffer.byteLength(f) > MAX_REALTIME_BYTES);
          if (oversize >= 0) {
            for (const f of frames.slice(0, oversize + 1)) rt.sendRaw(f);
            expect((await rt.closed).code).toBe(1009);
          } else {
            const invalid = frames.filter((f) => !ClientMessage.safeParse(JSON.parse(f)).success).length;
            const errors = (await answersTo(rt, msgs)).filter((m) => m.type === 'error');
            expect(errors.filter((e) => e.code === ErrorCode.BadRequest)).toHaveLength(invalid);
            expect(errors.filter((e) => e.code === ErrorCode.Internal)).toEqual([]);
          }
          expect(rt.invalid).toEqual([]);
        } finally {
          await rt.close();
        }
      }),
      // Each run opens a socket: the owners' ticket budgets (30 a minute) bound the runs.
      { numRuns: 20, endOnFailure: true },
    );
    for (const rt of [a.rt, alice.rt, sam.rt]) expect(rt.invalid).toEqual([]);
    expect(srv.logs.filter((l) => /handler failed|handling failed|dispatch failed/.test(l))).toEqual([]);
    const [sync] = await answersTo(a.rt, [{ type: 'conversation.resume', conversationId: X, afterSeq: 0 }]);
    expect(sync?.type === 'conversation.sync' && sync.conversation.state).toBe(ConversationState.Active);
    await expectHealthy(srv);
  });
});

describe('the message cap', () => {
  it(`a conversation holds ${MAX} messages: the last is stored, then text and files are refused too_large; history still pages`, async () => {
    const dir = freshDataDir();
    const env = testEnv(dir, { RECONNECT_GRACE_MS: '10000' });
    let proc = await spawnServer(env);
    try {
      const s = await shopperInConversation(asStack(proc), { start: startMessage({ channel: MediaKind.Chat }) });
      const id = s.conversationId;
      await say(s.rt, id, 'first-0001', 'first');
      await proc.stop(); // SIGKILL: the conversation is taken over at the next start
      // One short of the cap, as a long conversation would be (the API's own budgets would take half an hour to get there).
      await withDb(dir, async (db) => {
        const at = new Date().toISOString();
        const rows = Array.from({ length: MAX - 2 }, (_, i) => ({
          id: randomUUID(), conversation_id: id, seq: i + 2, sender_role: 'shopper', sender_id: s.shopperId, sender_name: '', kind: 'text', text: `m${i + 2}`, file_id: null, client_id: null, created_at: at,
        }));
        await db.batchInsert('messages', rows, 150);
        // …and an agent has taken it (files are taken only then).
        await db('conversations').where({ id }).update({ last_seq: MAX - 1, state: 'active', answered_at: at, wait_deadline: null });
      });
      proc = await spawnServer(env);
      const rt = await openRealtime(proc.url, s.token);
      const syncs = await answersTo(rt, [
        { type: 'conversation.resume', conversationId: id, afterSeq: 0 },
        { type: 'conversation.resume', conversationId: id, afterSeq: MAX - 3 },
      ]);
      const page = (first: number) => syncs.find((m) => m.type === 'conversation.sync' && m.messages[0]?.seq === first);
      expect(page(1)).toMatchObject({ more: true, messages: expect.toSatisfy((ms: unknown[]) => ms.length === SYNC_PAGE) });
      expect(page(MAX - 2)).toMatchObject({ more: false, messages: [{ seq: MAX - 2 }, { seq: MAX - 1 }] });

      expect((await say(rt, id, 'last-0001', 'the last one')).seq).toBe(MAX);
      expect(codes(await answersTo(rt, [{ type: 'chat.send', conversationId: id, clientId: 'over-0001', text: 'one too many' }]))).toEqual([ErrorCode.TooLarge]);
      const file = await upload(proc.url, s.token, id, 'a note', 'text/plain', 'note.txt');
      expectClearRefusal(file, [413], 'a file past the cap');
      expect(JSON.parse(file.body).error.code).toBe(ErrorCode.TooLarge);
      expect(await messagesOf(id, s.token, proc.url, MAX - 1)).toMatchObject({ more: false, messages: [{ seq: MAX, text: 'the last one' }] });
      expect(await withDb(dir, (db) => db('messages').where({ conversation_id: id }).count({ n: '*' }))).toEqual([{ n: MAX }]);
      // The refused file left nothing behind: not on disk, not in the database.
      expect(fs.readdirSync(path.join(dir, 'files'))).toEqual([]);
      expect(await withDb(dir, (db) => db('files').where({ conversation_id: id }).count({ n: '*' }))).toEqual([{ n: 0 }]);
      rt.ws.terminate();
    } finally {
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
