import net from 'node:net';
import { afterAll, expect, it } from 'vitest';
import {
  AgentState,
  CloseCode,
  ConversationState,
  EndReason,
  EndedBy,
  ErrorCode,
  MediaKind,
  MediaPath,
  ParticipantState,
  Paths,
  Presence,
  TERMINAL_STATES,
  type ServerMessage,
} from '../../protocol/index';
import { startServer, type RunningServer } from '../../server/src/app';
import { openDatabase } from '../../server/src/db/index';
import { acceptOffer, agentConsole, joinMedia } from '../helpers/agents';
import { shopperInConversation, startMessage } from '../helpers/conversations';
import { DEMO, delay, login, startStack, type Stack } from '../helpers/server';
import { openRealtime, realtimeTicket } from '../helpers/sockets';

/**
 * Graceful shutdown: new work is refused at once, sockets close with 4503, and live conversations
 * are NOT ended — they are stored, and the next start on the same data takes them over with every
 * participant `reconnecting` for the reconnect grace, so clients come back and resume them.
 */
const stacks: Stack[] = [];
const restarts: RunningServer[] = [];
afterAll(async () => {
  for (const r of restarts) await r.close();
  for (const s of stacks) await s.close();
});
async function stackWith(opts: Parameters<typeof startStack>[0]): Promise<Stack> {
  const s = await startStack(opts);
  stacks.push(s);
  return s;
}
/** A new server on the data of a stopped one (closed after the test file even if the test fails). */
async function restart(s: Stack): Promise<RunningServer> {
  const r = await startServer(s.config);
  restarts.push(r);
  return r;
}

const GRACE_MS = 3000;
const terminal = (m: ServerMessage) =>
  (m.type === 'conversation.update' || m.type === 'conversation.sync') && TERMINAL_STATES.has(m.conversation.state);

it('keeps live conversations through a restart: stored, taken over with everyone reconnecting, resumable with their messages and media', async () => {
  const stack = await stackWith({ env: { RECONNECT_GRACE_MS: String(GRACE_MS) } });
  const { dataDir } = stack;
  const alice = await agentConsole(stack, DEMO.alice);
  // One conversation taken (video, media flowing, two messages) and one waiting in the queue.
  const s1 = await shopperInConversation(stack);
  const id = s1.conversationId;
  await acceptOffer(alice, id);
  await joinMedia(stack, s1, id);
  await joinMedia(stack, alice, id);
  s1.rt.send({ type: 'media.path', conversationId: id, path: MediaPath.Flowing });
  await alice.rt.next('conversation.update', { where: (m) => m.conversation.media?.connectedAt != null });
  s1.rt.send({ type: 'chat.send', conversationId: id, clientId: 'before-restart-1', text: 'Is the oak board food safe?' });
  await alice.rt.next('chat.message');
  alice.rt.send({ type: 'chat.send', conversationId: id, clientId: 'before-restart-2', text: 'Yes, it is oiled with food-safe oil.' });
  await s1.rt.next('chat.message', { where: (m) => m.message.seq === 2 });
  const s2 = await shopperInConversation(stack, { start: startMessage({ channel: MediaKind.Chat }) });
  expect(await s2.rt.next('conversation.queued')).toMatchObject({ conversationId: s2.conversationId, position: 1 });

  const closing = stack.server.close();
  for (const rt of [s1.rt, alice.rt, s2.rt]) expect((await rt.closed).code).toBe(CloseCode.ServerShutdown);
  await closing;
  // Nobody was told a conversation ended; the database holds both as they were.
  for (const rt of [s1.rt, alice.rt, s2.rt]) expect(rt.received.filter(terminal)).toEqual([]);
  const db = await openDatabase(`${dataDir}/counterpart.sqlite`);
  try {
    const rows: { id: string; state: string; ended_at: string | null }[] = await db('conversations').select('id', 'state', 'ended_at');
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.state, r.ended_at]]))).toEqual({
      [id]: [ConversationState.Active, null],
      [s2.conversationId]: [ConversationState.Queued, null],
    });
  } finally {
    await db.destroy();
  }

  // The next start on the same data takes both over; nobody is connected to it yet.
  const restarted = await restart(stack);
  const next = { url: restarted.url };
  expect(restarted.resumed).toBe(2);
  const sam = await login(next.url, DEMO.sam);
  const sup = await openRealtime(next.url, sam.token);
  const snapshot = await sup.next('snapshot');
  expect(snapshot.conversations.map((c) => [c.id, c.state]).sort()).toEqual(
    [[id, ConversationState.Active], [s2.conversationId, ConversationState.Queued]].sort(),
  );
  for (const c of snapshot.conversations) expect(c.participants.map((p) => p.state)).toEqual(c.participants.map(() => ParticipantState.Reconnecting));

  // The shopper and the agent come back (same tokens) and resume where they were.
  const back = await openRealtime(next.url, s1.token);
  back.send({ type: 'conversation.resume', conversationId: id, afterSeq: 0 });
  const sync = await back.next('conversation.sync');
  expect(sync.conversation).toMatchObject({ id, state: ConversationState.Active, media: { kind: MediaKind.Video } });
  expect(sync.conversation.media?.connectedAt).not.toBeNull();
  expect(sync.messages.map((m) => [m.seq, m.text])).toEqual([
    [1, 'Is the oak board food safe?'],
    [2, 'Yes, it is oiled with food-safe oil.'],
  ]);
  const aliceBack = await openRealtime(next.url, alice.token);
  aliceBack.send({ type: 'conversation.resume', conversationId: id, afterSeq: 2 });
  // (A sync from 0 may come first: the server may send one to every socket that opens.)
  const aliceSync = await aliceBack.next('conversation.sync', { where: (m) => m.messages.every((x) => x.seq > 2) });
  expect(aliceSync).toMatchObject({ conversation: { id, state: ConversationState.Active }, messages: [] });
  await sup.next('conversation.update', { where: (m) => m.conversation.id === id && m.conversation.participants.every((p) => p.state === ParticipantState.Connected) });
  await aliceBack.next('agent.self', { where: (m) => m.state === AgentState.Busy });

  // Chat goes on with the next seq; both rejoin the media session with new peers, which may signal.
  back.send({ type: 'chat.send', conversationId: id, clientId: 'after-restart-1', text: 'Great, thanks!' });
  expect((await aliceBack.next('chat.message')).message).toMatchObject({ seq: 3, text: 'Great, thanks!' });
  const shopperMedia = await joinMedia(next, { token: s1.token, rt: back }, id);
  const agentMedia = await joinMedia(next, { token: alice.token, rt: aliceBack }, id);
  expect(agentMedia.peers.peers).toEqual([expect.objectContaining({ peerId: shopperMedia.creds.peerId, placeCall: true })]);
  expect(restarted.conversations.media.maySignal(agentMedia.creds.peerId, shopperMedia.creds.peerId)).toBe(true);

  // The queued shopper never comes back: it is abandoned once the grace has passed.
  const gone = await sup.next('conversation.update', {
    where: (m) => m.conversation.id === s2.conversationId && TERMINAL_STATES.has(m.conversation.state),
    timeoutMs: GRACE_MS + 4000,
  });
  expect(gone.conversation).toMatchObject({ state: ConversationState.Abandoned, endedBy: EndedBy.Shopper, endReason: EndReason.Abandoned });
  // The one whose parties came back is still live; it ends as any other.
  expect(restarted.conversations.snapshot().conversations.map((c) => c.id)).toEqual([id]);
  aliceBack.send({ type: 'conversation.end', conversationId: id });
  const ended = await back.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
  expect(ended.conversation).toMatchObject({ endedBy: EndedBy.Agent, endReason: EndReason.Hangup });
  for (const c of [sup, back, aliceBack]) expect(c.invalid).toEqual([]);
  await Promise.all([sup.close(), back.close(), aliceBack.close()]);
});

it('shows an offer that was ringing at the shutdown to its agent after the restart', async () => {
  const s = await stackWith({ shop: false, env: { RECONNECT_GRACE_MS: String(GRACE_MS), RING_TIMEOUT_MS: '1500' } });
  const alice = await agentConsole(s, DEMO.alice);
  const shopper = await shopperInConversation(s, { start: startMessage({ channel: MediaKind.Chat }) });
  expect((await alice.rt.next('offer')).conversationId).toBe(shopper.conversationId);
  await s.server.close();

  const restarted = await restart(s);
  const aliceBack = await openRealtime(restarted.url, alice.token);
  const back = await openRealtime(restarted.url, shopper.token);
  back.send({ type: 'conversation.resume', conversationId: shopper.conversationId, afterSeq: 0 });
  await back.next('conversation.sync');
  // The agent, back at the console, can take it: it is offered to her (again), not rung out unseen.
  const offer = await aliceBack.next('offer', { where: (m) => m.conversationId === shopper.conversationId, timeoutMs: 5000 });
  aliceBack.send({ type: 'offer.accept', conversationId: offer.conversationId });
  await back.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Active });
  expect(aliceBack.received.filter((m) => m.type === 'agent.self' && m.presence === Presence.Away)).toEqual([]);
  back.send({ type: 'conversation.end', conversationId: shopper.conversationId });
  await aliceBack.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Closed });
  await Promise.all([aliceBack.close(), back.close()]);
});

/** A raw WebSocket upgrade that, once open, never reads or answers anything (a stuck client). */
function stuckSocket(port: number, pathAndQuery: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(
        `GET ${pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    sock.once('error', reject);
    sock.once('data', (head: Buffer) => {
      if (!head.toString('latin1').startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${head.toString('latin1').split('\r\n')[0]}`));
      sock.on('data', () => {}); // read, but never answer (not even the close frame)
      resolve(sock);
    });
  });
}

/** A raw connection that has begun a request (so it is not idle) and finishes it when told. */
async function halfSentRequest(port: number, head: string): Promise<{ finish(rest: string): void; answer: Promise<string> }> {
  const sock = net.connect(port, '127.0.0.1');
  let out = '';
  sock.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const answer = new Promise<string>((resolve) => sock.once('close', () => resolve(out)));
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  sock.write(head);
  return { finish: (rest) => sock.write(rest), answer };
}

it('refuses new work at once and cuts a client that never answers after SHUTDOWN_GRACE_MS', async () => {
  const s = await stackWith({ shop: false, env: { SHUTDOWN_GRACE_MS: '300' } });
  const alice = await login(s.url, DEMO.alice);
  const stuck = await stuckSocket(s.server.port, `${Paths.realtime}?ticket=${encodeURIComponent(await realtimeTicket(s.url, alice.token))}`);
  const cut = new Promise<void>((resolve) => stuck.once('close', () => resolve()));
  // Requests that began before the shutdown and end after it: a sign-in and a realtime upgrade.
  const body = JSON.stringify(DEMO.bob);
  const signIn = await halfSentRequest(s.server.port, 'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const ticket = await realtimeTicket(s.url, alice.token);
  const upgrade = await halfSentRequest(s.server.port, `GET ${Paths.realtime}?ticket=${encodeURIComponent(ticket)} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  await delay(50);

  const closing = s.server.close();
  // No new connections once shutdown has begun.
  const refused = await new Promise<string>((resolve) => {
    const c = net.connect(s.server.port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve('connected');
    });
    c.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  expect(refused).toBe('ECONNREFUSED');
  // The requests already on their way are refused with 503 (the sign-in with the JSON error), not served.
  signIn.finish(`Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  upgrade.finish('Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  const [signInAnswer, upgradeAnswer] = await Promise.all([signIn.answer, upgrade.answer]);
  expect(signInAnswer.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
  expect(signInAnswer).toMatch(/^connection: close$/im);
  expect(JSON.parse(signInAnswer.slice(signInAnswer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: ErrorCode.Unavailable } });
  expect(upgradeAnswer.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
  expect(s.server.refusals.totals.get('upgrade.closing')).toBe(1);

  // The stuck client does not hold the shutdown up (it never closes by itself): its connection is cut.
  await closing;
  await cut;
});
