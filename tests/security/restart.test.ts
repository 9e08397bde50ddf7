/**
 * Crash and shutdown, on the real server process:
 * - SIGKILL with a call active and one queued: at the next start both records are closed as
 *   `server_restart` (and their open ring attempts), and each client that comes back asking
 *   after its call is told it ended.
 * - SIGTERM with a client that never answers the close frame: the process exits within 5 s and
 *   accepts no work once shutdown began.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import knex from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { EndReason, EndedBy, ErrorCode, MediaKind, Paths, Presence } from '../../protocol/index';
import { DEMO, login, rtcCredentials, shopperSession, waitFor } from '../helpers/server';
import { openRealtime, realtimeTicket } from '../helpers/sockets';
import { freshDataDir, spawnServer, testEnv, type ServerProcess } from '../helpers/process';
import { raw } from './support';

const request = { type: 'call.request', media: MediaKind.Video, context: { productId: null, pageUrl: 'http://shop.test/' } } as const;
const started: ServerProcess[] = [];
const dirs: string[] = [];

async function start(dir: string): Promise<ServerProcess> {
  const srv = await spawnServer(testEnv(dir, { CONNECT_TIMEOUT_MS: '60000' }));
  started.push(srv);
  return srv;
}

afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function readCalls(dir: string) {
  const db = knex({ client: 'sqlite3', connection: { filename: path.join(dir, 'counterpart.sqlite') }, useNullAsDefault: true });
  try {
    return {
      calls: (await db('calls').select('id', 'state', 'ended_by', 'end_reason', 'requested_at')) as { id: string; state: string; ended_by: string | null; end_reason: string | null; requested_at: string }[],
      openRings: Number(((await db('ring_attempts').whereNull('ended_at').count({ n: '*' })) as [{ n: number }])[0].n),
    };
  } finally {
    await db.destroy();
  }
}

describe('crash and restart', () => {
  it('SIGKILL mid-call: records are reconciled at the next start and both clients are told', async () => {
    const dir = freshDataDir();
    dirs.push(dir);
    const first = await start(dir);
    const alice = await login(first.url, DEMO.alice);
    const agent = await openRealtime(first.url, alice.token);
    agent.send({ type: 'presence.set', presence: Presence.Available });

    const s1 = await shopperSession(first.url);
    const rt1 = await openRealtime(first.url, s1.token);
    rt1.send(request);
    const ring = await agent.next('call.ring');
    agent.send({ type: 'call.accept', callId: ring.callId, peerId: (await rtcCredentials(first.url, alice.token)).peerId });
    await rt1.next('call.connect');
    agent.send({ type: 'call.media', callId: ring.callId });

    const s2 = await shopperSession(first.url);
    const rt2 = await openRealtime(first.url, s2.token);
    rt2.send(request);
    const queued = await rt2.next('call.queued');
    await waitFor(async () => ((await readCalls(dir)).calls.some((c) => c.state === 'active') ? true : null), 'call 1 stored active');

    first.child.kill('SIGKILL');
    await first.exited;
    const before = await readCalls(dir);
    expect(before.calls.map((c) => c.state).sort()).toEqual(['active', 'queued']);

    const second = await start(dir);
    const after = await readCalls(dir);
    expect(after.calls.map((c) => [c.state, c.ended_by, c.end_reason])).toEqual([
      ['ended', EndedBy.System, EndReason.ServerRestart],
      ['ended', EndedBy.System, EndReason.ServerRestart],
    ]);
    expect(after.openRings).toBe(0);
    expect(second.logs.some((l) => l.includes('server_restart'))).toBe(true);

    // The clients come back (their tokens outlive the process) and ask after their calls.
    for (const [s, callId] of [
      [s1, ring.callId],
      [s2, queued.callId],
    ] as const) {
      const back = await openRealtime(second.url, s.token);
      back.send({ type: 'call.resume', callId });
      expect(await back.next('call.ended')).toEqual({ type: 'call.ended', callId, endedBy: EndedBy.System, reason: EndReason.ServerRestart });
      await back.close();
    }
    const agentBack = await openRealtime(second.url, alice.token);
    agentBack.send({ type: 'call.resume', callId: ring.callId });
    expect(await agentBack.next('call.ended')).toMatchObject({ callId: ring.callId, reason: EndReason.ServerRestart });
    // Another party's call id tells nothing.
    const stranger = await openRealtime(second.url, (await shopperSession(second.url)).token);
    stranger.send({ type: 'call.resume', callId: ring.callId });
    expect(await stranger.next('error')).toMatchObject({ code: ErrorCode.CallNotFound, callId: ring.callId });
  });
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
  it('SIGTERM with a client that never answers: exits within 5 s, takes no work after shutdown began', async () => {
    const dir = freshDataDir();
    dirs.push(dir);
    const srv = await start(dir);
    const shopper = await shopperSession(srv.url);
    const silent = await silentClient(srv.url, await realtimeTicket(srv.url, shopper.token));
    const late = await shopperSession(srv.url);
    const lateRt = await openRealtime(srv.url, late.token);

    const sentAt = Date.now();
    srv.child.kill('SIGTERM');
    await waitFor(() => (srv.logs.some((l) => l.includes('shutting down')) ? true : null), 'shutdown to begin', 3000);
    // Work offered after shutdown began: a call request on an open socket and a new session.
    lateRt.send(request);
    const session = await raw(`${srv.url}/api/shopper/session`, { headers: { 'content-type': 'application/json', origin: 'http://shop.test' }, body: '{"siteKey":"demo-shop"}' }).then(
      (r) => r.status,
      (err: Error & { code?: string }) => err.code ?? 'failed',
    );
    expect([503, 'ECONNREFUSED', 'ECONNRESET']).toContain(session);

    const exit = await srv.exited;
    expect(exit.code).toBe(0);
    console.log(`SIGTERM → exit: ${exit.at - sentAt} ms`);
    expect(exit.at - sentAt).toBeLessThan(5000);
    expect((await readCalls(dir)).calls).toEqual([]);
    silent.destroy();
  });
});
