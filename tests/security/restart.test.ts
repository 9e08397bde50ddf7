/**
 * Crash and shutdown, on the real server process:
 * - SIGKILL mid-conversation: the next start takes every live conversation over. Every present
 *   participant is `reconnecting` with a fresh grace, every stored deadline (queue wait, reconnect
 *   grace, media connect timeout) is armed again and no offer rings a console that is gone (its
 *   ring timeout re-armed, or ended as `server_restart`); clients that come back resume
 *   and get every stored message once, in order; conversations whose participants stay away end
 *   after the grace with who and why as it really happened.
 * - SIGTERM with a client that never answers the close frame: the process exits cleanly before its
 *   forced-exit deadline, accepts no work once shutdown began, and ends no conversation.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationRecord, ConversationState, EndReason, EndedBy, ErrorCode, MediaKind, ParticipantState, Paths, Presence, RingEndReason, Role } from '../../protocol/index';
import { setPresence } from '../helpers/agents';
import { startMessage, shopperInConversation } from '../helpers/conversations';
import { freshDataDir, spawnServer, testEnv, type ServerProcess } from '../helpers/process';
import { DEMO, bearer, httpRequest, login, shopperSession, waitFor } from '../helpers/server';
import { openRealtime, realtimeTicket, type RealtimeClient } from '../helpers/sockets';
import { acceptedBy, asStack, raw, say, staffOnline, withDb } from './support';

const started: ServerProcess[] = [];
const dirs: string[] = [];
const sockets: RealtimeClient[] = [];

async function start(dir: string, env: Record<string, string>): Promise<ServerProcess> {
  const srv = await spawnServer(testEnv(dir, env));
  started.push(srv);
  return srv;
}

async function rt(url: string, token: string): Promise<RealtimeClient> {
  const c = await openRealtime(url, token);
  sockets.push(c);
  return c;
}

afterEach(async () => {
  for (const c of sockets.splice(0)) c.ws.terminate();
  for (const s of started.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

type Row = Record<string, unknown>;
const conversation = (dir: string, id: string) => withDb(dir, async (db) => (await db('conversations').where({ id }).first()) as Row);
const whenStored = <T>(dir: string, what: string, fn: (db: Parameters<Parameters<typeof withDb>[1]>[0]) => Promise<T | null>, timeoutMs = 10_000) =>
  waitFor(() => withDb(dir, fn), what, timeoutMs);

async function kill(srv: ServerProcess): Promise<void> {
  srv.child.kill('SIGKILL');
  await srv.exited;
}

describe('crash and restart', () => {
  it('SIGKILL mid-conversation: taken over at the next start; clients resume every message once, in order; the record is complete', async () => {
    const dir = freshDataDir();
    dirs.push(dir);
    const env = { RECONNECT_GRACE_MS: '4000', RING_TIMEOUT_MS: '5000', CONNECT_TIMEOUT_MS: '5000' };
    const first = await start(dir, env);
    const alice = await staffOnline(first.url, DEMO.alice);
    sockets.push(alice.rt);
    // A: a video conversation alice took, chat going back and forth; its media never flowed.
    const a = await acceptedBy(first.url, alice, MediaKind.Video);
    sockets.push(a.rt);
    const lines: [RealtimeClient, string][] = [
      [a.rt, 'Hello, is the blue one in stock?'],
      [alice.rt, 'Let me check for you.'],
      [a.rt, 'Thanks!'],
      [alice.rt, 'Yes, three left.'],
      [a.rt, 'Great, I will order now.'],
    ];
    for (const [i, [from, text]] of lines.entries()) expect((await say(from, a.conversationId, `line-000${i}`, text)).seq).toBe(i + 1);
    // Alice takes nothing more (her presence is stored: away after the restart too).
    await setPresence(alice, Presence.Away);
    // D: offered to bob, ringing, unanswered.
    const bob = await staffOnline(first.url, DEMO.bob);
    sockets.push(bob.rt);
    const d = await shopperInConversation(asStack(first), { start: startMessage({ channel: MediaKind.Chat }) });
    sockets.push(d.rt);
    await bob.rt.next('offer', { where: (o) => o.conversationId === d.conversationId });
    // E: waiting in the queue (alice set herself away — she could take chats beside her call — and bob rings); this shopper never comes back.
    const e = await shopperInConversation(asStack(first), { start: startMessage({ channel: MediaKind.Chat }) });
    sockets.push(e.rt);
    await e.rt.next('conversation.queued');

    await kill(first);
    const killedAt = Date.now();
    const states = await withDb(dir, (db) => db('conversations').select('id', 'state'));
    expect(Object.fromEntries(states.map((r: Row) => [r.id, r.state]))).toEqual({
      [a.conversationId]: ConversationState.Active,
      [d.conversationId]: ConversationState.Offered,
      [e.conversationId]: ConversationState.Queued,
    });
    expect(await withDb(dir, (db) => db('media_sessions').where({ conversation_id: a.conversationId }).whereNull('ended_at').count({ n: '*' }))).toEqual([{ n: 1 }]);

    const second = await start(dir, env);
    expect(second.logs.some((l) => l.includes('took over live conversations'))).toBe(true);
    // Nobody is connected to a process that just started: every present participant waits with a fresh grace.
    const present: Row[] = await withDb(dir, (db) => db('participants').whereNull('left_at'));
    expect(present).toHaveLength(4);
    for (const p of present) {
      expect(p.state).toBe(ParticipantState.Reconnecting);
      expect(Number(p.grace_deadline)).toBeGreaterThan(killedAt);
    }

    // A's shopper and agent come back (their tokens outlive the process) and resume.
    const aBack = await rt(second.url, a.token);
    aBack.send({ type: 'conversation.resume', conversationId: a.conversationId, afterSeq: 0 });
    const sync = await aBack.next('conversation.sync');
    expect(sync.conversation.state).toBe(ConversationState.Active);
    expect(sync.messages.map((m) => [m.seq, m.text])).toEqual(lines.map(([, text], i) => [i + 1, text]));
    expect(sync.more).toBe(false);
    const aliceBack = await rt(second.url, alice.login.token);
    await aBack.next('conversation.update', { where: (m) => m.conversation.participants.every((p) => p.state === ParticipantState.Connected) });
    // (A new socket may also get the whole state unasked: answers are told apart by what they hold.)
    aliceBack.send({ type: 'conversation.resume', conversationId: a.conversationId, afterSeq: 3 });
    const tail = await aliceBack.next('conversation.sync', { where: (m) => m.messages[0]?.seq !== 1 });
    expect(tail.messages.map((m) => m.seq)).toEqual([4, 5]);
    // Nothing is repeated past what a client has.
    aBack.send({ type: 'conversation.resume', conversationId: a.conversationId, afterSeq: 5 });
    expect((await aBack.next('conversation.sync', { where: (m) => m.messages[0]?.seq !== 1 })).messages).toEqual([]);
    // The chat goes on where it was.
    expect((await say(aBack, a.conversationId, 'after-restart', 'Done, order placed.')).seq).toBe(6);
    expect((await aliceBack.next('chat.message', { where: (m) => m.message.clientId === 'after-restart' })).message.seq).toBe(6);

    // D's shopper comes back. The offer to bob's gone console does not ring on: it ends (its ring
    // timeout armed again, or at once as server_restart) and D waits in the queue.
    const dBack = await rt(second.url, d.token);
    dBack.send({ type: 'conversation.resume', conversationId: d.conversationId, afterSeq: 0 });
    await dBack.next('conversation.sync');
    const offerEnd = await whenStored(dir, 'the offer to bob to end', async (db) =>
      (await db('offers').where({ conversation_id: d.conversationId }).whereNotNull('ended_at').first()) ?? null,
    );
    expect([RingEndReason.Timeout, RingEndReason.ServerRestart]).toContain(offerEnd.outcome);
    expect(await conversation(dir, d.conversationId)).toMatchObject({ state: ConversationState.Queued, ended_at: null, offered_agent_id: null });

    // A's media connect deadline was armed again: the media session ends, the conversation goes on.
    await whenStored(dir, "A's media session to end", async (db) => (await db('media_sessions').where({ conversation_id: a.conversationId }).whereNotNull('ended_at').first()) ?? null);
    expect(await conversation(dir, a.conversationId)).toMatchObject({ state: ConversationState.Active });

    // E's shopper never came back: after the grace it ends as abandoned by the shopper.
    await whenStored(dir, 'E to end', async (db) => (await db('conversations').where({ id: e.conversationId }).whereNotNull('ended_at').first()) ?? null);
    expect(await conversation(dir, e.conversationId)).toMatchObject({ state: ConversationState.Abandoned, ended_by: EndedBy.Shopper, end_reason: EndReason.Abandoned });

    // A ends by a hang-up; its record holds every step, once.
    aBack.send({ type: 'conversation.end', conversationId: a.conversationId });
    await aliceBack.next('conversation.update', { where: (m) => m.conversation.id === a.conversationId && m.conversation.state === ConversationState.Closed });
    const sam = await login(second.url, DEMO.sam);
    const res = await httpRequest(`${second.url}/api/conversations/${a.conversationId}`, { headers: bearer(sam.token) });
    expect(res.status).toBe(200);
    const record = ConversationRecord.parse(res.json);
    expect(record).toMatchObject({ state: ConversationState.Closed, endedBy: EndedBy.Shopper, endReason: EndReason.Hangup, messages: 6 });
    expect(record.offers).toEqual([expect.objectContaining({ agentId: alice.login.user.id, outcome: RingEndReason.Accepted })]);
    expect(record.mediaSessions).toEqual([expect.objectContaining({ kind: MediaKind.Video, connectedAt: null, endReason: 'connect_failed' })]);
    expect(record.participants.map((p) => [p.party.role, p.state])).toEqual([
      [Role.Shopper, ParticipantState.Left],
      [Role.Agent, ParticipantState.Left],
    ]);
    for (const k of ['requestedAt', 'offeredAt', 'answeredAt', 'endedAt'] as const) expect(record[k], k).not.toBeNull();
    const stored: Row[] = await withDb(dir, (db) => db('messages').where({ conversation_id: a.conversationId }).orderBy('seq'));
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);

    // Another party's conversation id tells nothing.
    const stranger = await rt(second.url, (await shopperSession(second.url)).token);
    stranger.send({ type: 'conversation.resume', conversationId: a.conversationId, afterSeq: 0 });
    expect(await stranger.next('error')).toMatchObject({ code: ErrorCode.ConversationNotFound, conversationId: a.conversationId });
  }, 60_000);

  it('after a restart the queue wait deadline still ends a waiting conversation, and an agent who stays away ends theirs as disconnected', async () => {
    const dir = freshDataDir();
    dirs.push(dir);
    const env = { RECONNECT_GRACE_MS: '3000', QUEUE_MAX_WAIT_MS: '4000' };
    const first = await start(dir, env);
    const bob = await staffOnline(first.url, DEMO.bob);
    sockets.push(bob.rt);
    const f = await acceptedBy(first.url, bob);
    sockets.push(f.rt);
    await say(f.rt, f.conversationId, 'before-kill', 'Are you still there?');
    const g = await shopperInConversation(asStack(first), { start: startMessage({ channel: MediaKind.Chat }) });
    sockets.push(g.rt);
    await g.rt.next('conversation.queued');
    await kill(first);
    expect((await conversation(dir, g.conversationId)).state).toBe(ConversationState.Queued);

    const second = await start(dir, env);
    // Both shoppers come back; bob does not.
    const fBack = await rt(second.url, f.token);
    fBack.send({ type: 'conversation.resume', conversationId: f.conversationId, afterSeq: 0 });
    expect((await fBack.next('conversation.sync')).messages.map((m) => m.clientId)).toEqual(['before-kill']);
    const gBack = await rt(second.url, g.token);
    gBack.send({ type: 'conversation.resume', conversationId: g.conversationId, afterSeq: 0 });
    await gBack.next('conversation.sync');

    const closed = await fBack.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed, timeoutMs: 10_000 });
    expect(closed.conversation).toMatchObject({ endedBy: EndedBy.Agent, endReason: EndReason.Disconnected });
    await whenStored(dir, 'G to end', async (db) => (await db('conversations').where({ id: g.conversationId }).whereNotNull('ended_at').first()) ?? null);
    expect(await conversation(dir, g.conversationId)).toMatchObject({ state: ConversationState.TimedOut, ended_by: EndedBy.System, end_reason: EndReason.QueueTimeout });
    expect(await conversation(dir, f.conversationId)).toMatchObject({ state: ConversationState.Closed, ended_by: EndedBy.Agent, end_reason: EndReason.Disconnected });
  }, 60_000);
});

/** A WebSocket client that completes the handshake and then never reads or answers anything. */
async function silentClient(url: string, ticket: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  const sock = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.write(
    `GET ${Paths.realtime}?ticket=${encodeURIComponent(ticket)} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve) => sock.once('data', () => resolve()));
  sock.pause(); // never read again: the close frame is never answered
  sock.on('error', () => {});
  return sock;
}

describe('graceful shutdown', () => {
  it('SIGTERM with a client that never answers: exits cleanly, takes no work after shutdown began, ends no conversation', async () => {
    const dir = freshDataDir();
    dirs.push(dir);
    const srv = await start(dir, { CONNECT_TIMEOUT_MS: '60000' });
    const shopper = await shopperSession(srv.url);
    const silent = await silentClient(srv.url, await realtimeTicket(srv.url, shopper.token));
    const waiting = await shopperInConversation(asStack(srv), { start: startMessage({ channel: MediaKind.Chat }) });
    sockets.push(waiting.rt);
    const late = await rt(srv.url, (await shopperSession(srv.url)).token);

    srv.child.kill('SIGTERM');
    await waitFor(() => (srv.logs.some((l) => l.includes('shutting down')) ? true : null), 'shutdown to begin', 3000);
    // Work offered after shutdown began: a conversation on an open socket and a new session.
    late.send(startMessage());
    const session = await raw(`${srv.url}/api/shopper/session`, { headers: { 'content-type': 'application/json', origin: 'http://shop.test' }, body: '{"siteKey":"demo-shop"}' }).then(
      (r) => r.status,
      (err: Error & { code?: string }) => err.code ?? 'failed',
    );
    expect([503, 'ECONNREFUSED', 'ECONNRESET']).toContain(session);

    // Exit code 0: closed by itself, not by the forced exit (code 1) of main.ts's deadline.
    expect((await srv.exited).code).toBe(0);
    const rows: Row[] = await withDb(dir, (db) => db('conversations').select('id', 'state', 'ended_at'));
    // Only the conversation started before the shutdown, and it is not ended: the next start takes it over.
    expect(rows).toEqual([{ id: waiting.conversationId, state: ConversationState.Queued, ended_at: null }]);
    silent.destroy();
  });
});
