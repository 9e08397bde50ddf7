import { afterAll, expect, it } from 'vitest';
import { AgentState, CloseCode, MediaKind, Presence } from '../../protocol/index';
import { openDatabase } from '../../server/src/db/index';
import { DEMO, login, rtcCredentials, shopperSession, startStack, type Stack } from '../helpers/server';
import { openRealtime } from '../helpers/sockets';

/** Graceful shutdown: live calls end as `server_shutdown`, both parties are told, nothing is lost. */
let stack: Stack | null = null;
afterAll(async () => stack?.close());

it('ends live calls, tells both parties, closes sockets with 4503 and keeps the record', async () => {
  stack = await startStack();
  const { url, dataDir } = stack;
  const alice = await login(url, DEMO.alice);
  const agentRt = await openRealtime(stack, alice.token);
  agentRt.send({ type: 'presence.set', presence: Presence.Available });
  await agentRt.next('agent.self', { where: (m) => m.state === AgentState.Available });
  const shopper = await shopperSession(url, {});
  const shopperRt = await openRealtime(stack, shopper.token);
  const shopperPeer = await rtcCredentials(url, shopper.token);
  shopperRt.send({ type: 'call.request', media: MediaKind.Video, peerId: shopperPeer.peerId, context: { productId: null, pageUrl: 'http://shop.test/' } });
  const ring = await agentRt.next('call.ring');
  agentRt.send({ type: 'call.accept', callId: ring.callId, peerId: (await rtcCredentials(url, alice.token)).peerId });
  await shopperRt.next('call.connect');

  const closing = stack.server.close();
  const [toShopper, toAgent] = await Promise.all([shopperRt.next('call.ended'), agentRt.next('call.ended')]);
  for (const m of [toShopper, toAgent]) expect(m).toMatchObject({ callId: ring.callId, endedBy: 'system', reason: 'server_shutdown' });
  expect((await shopperRt.closed).code).toBe(CloseCode.ServerShutdown);
  expect((await agentRt.closed).code).toBe(CloseCode.ServerShutdown);
  await closing;

  // The database was written before it closed: reopen it and read the call.
  const db = await openDatabase(`${dataDir}/counterpart.sqlite`);
  try {
    const row = await db('calls').where({ id: ring.callId }).first();
    expect(row).toMatchObject({ state: 'ended', ended_by: 'system', end_reason: 'server_shutdown' });
    expect(row.answered_at).toBeTruthy();
    expect(row.ended_at).toBeTruthy();
  } finally {
    await db.destroy();
  }
});
