import net from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { AgentState, CloseCode, ErrorCode, Paths, Presence } from '../../protocol/index';
import { openDatabase } from '../../server/src/db/index';
import { callRequest } from '../helpers/calls';
import { DEMO, delay, login, rtcCredentials, shopperSession, startStack, type Stack } from '../helpers/server';
import { openRealtime, realtimeTicket } from '../helpers/sockets';

/** Graceful shutdown: live calls end as `server_shutdown`, both parties are told, nothing is lost. */
let stack: Stack | null = null;
let stack2: Stack | null = null;
afterAll(async () => {
  await stack?.close();
  await stack2?.close();
});

it('ends live calls, tells both parties, closes sockets with 4503 and keeps the record', async () => {
  stack = await startStack();
  const { url, dataDir } = stack;
  const alice = await login(url, DEMO.alice);
  const agentRt = await openRealtime(stack, alice.token);
  agentRt.send({ type: 'presence.set', presence: Presence.Available });
  await agentRt.next('agent.self', { where: (m) => m.state === AgentState.Available });
  const shopper = await shopperSession(url, {});
  const shopperRt = await openRealtime(stack, shopper.token);
  shopperRt.send(callRequest());
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
  stack2 = await startStack({ shop: false, env: { SHUTDOWN_GRACE_MS: '300' } });
  const s = stack2;
  const alice = await login(s.url, DEMO.alice);
  const stuck = await stuckSocket(s.server.port, `${Paths.realtime}?ticket=${encodeURIComponent(await realtimeTicket(s.url, alice.token))}`);
  const cut = new Promise<number>((resolve) => stuck.once('close', () => resolve(Date.now())));
  // Requests that began before the shutdown and end after it: a sign-in and a realtime upgrade.
  const body = JSON.stringify(DEMO.bob);
  const signIn = await halfSentRequest(s.server.port, 'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const ticket = await realtimeTicket(s.url, alice.token);
  const upgrade = await halfSentRequest(s.server.port, `GET ${Paths.realtime}?ticket=${encodeURIComponent(ticket)} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  await delay(50);

  const started = Date.now();
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

  await closing;
  // The grace, a short wait for close frames, and nothing more: the stuck client did not hold it up.
  expect(Date.now() - started).toBeLessThan(300 + 200 + 1000);
  // ...and its connection was cut, not left open.
  expect((await cut) - started).toBeLessThan(300 + 200 + 1000);
  stack2 = null;
  await s.close(); // idempotent: removes the data dir
});
