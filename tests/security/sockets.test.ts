/**
 * The realtime channel (/ws) and the PeerServer (/peerjs) under hostile input: upgrades with no,
 * forged, expired or replayed credentials are refused with HTTP 401 before any socket exists;
 * generated frames (from the ClientMessage schema, mutated, or raw bytes) get an error reply or
 * close only that socket with the right code; the PeerServer relays only within one running
 * media session; nothing ends the process.
 */
import fs from 'node:fs';
import net from 'node:net';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientMessage, CloseCode, ErrorCode, MAX_REALTIME_BYTES, MAX_SIGNAL_BYTES, MediaKind, Paths } from '../../protocol/index';
import { hostileOf } from '../helpers/arbitrary';
import { DEMO, login, rtcCredentials, shopperSession, waitFor, type Stack } from '../helpers/server';
import { connectPeer, openPeer, openRealtime, openRealtimeWithTicket, realtimeRefusal, realtimeTicket, tryUpgrade } from '../helpers/sockets';
import type { ServerProcess } from '../helpers/process';
import { acceptedBy, expectHealthy, forge, staffOnline, startProcess } from './support';

let srv: ServerProcess & { cleanup(): Promise<void> };
/** The socket helpers take a Stack; these tests only need its URLs. */
let stack: Stack;

beforeAll(async () => {
  srv = await startProcess();
  stack = { url: srv.url, wsUrl: srv.url.replace(/^http/, 'ws') } as Stack;
});
afterAll(async () => {
  await srv?.cleanup();
});

describe('/ws upgrades', () => {
  it('refuses a missing, garbage, forged, expired or replayed ticket with 401 before the upgrade', async () => {
    const shopper = await shopperSession(srv.url);
    const used = await realtimeTicket(srv.url, shopper.token);
    (await openRealtimeWithTicket(srv.url, used)).ws.close();
    const claims = { role: 'shopper', site: 1, cid: null, net: '127.0.0.1', jti: 'x'.repeat(22), until: Math.floor(Date.now() / 1000) + 600 };
    const cases: [string, string | null][] = [
      ['none', null],
      ['garbage', 'not-a-ticket'],
      ['a bearer token, not a ticket', shopper.token],
      ['expired ticket', await forge(srv, 'ticket', shopper.shopperId, claims, -5)],
      ['ticket for a socket whose token expired', await forge(srv, 'ticket', shopper.shopperId, { ...claims, jti: 'y'.repeat(22), until: 1 }, 30)],
      ['replayed ticket', used],
    ];
    for (const [name, ticket] of cases) expect([name, await realtimeRefusal(stack, ticket)]).toEqual([name, 401]);
    // The old way (a long-lived token in the URL) no longer opens a socket either.
    expect(await tryUpgrade(stack, `${Paths.realtime}?token=${encodeURIComponent(shopper.token)}`)).toMatchObject({ kind: 'refused', status: 401 });
    await expectHealthy(srv);
  });

  it('refuses arbitrary query strings and paths', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 3000 }), fc.constantFrom(Paths.realtime, Paths.peerSocket, '/other', '/ws/../peerjs'), async (q, p) => {
        const out = await tryUpgrade(stack, `${p}?ticket=${encodeURIComponent(q)}&id=${encodeURIComponent(q)}&token=${encodeURIComponent(q)}`);
        expect(out.kind).toBe('refused');
        if (out.kind === 'refused') expect([400, 401, 404]).toContain(out.status);
      }),
      { numRuns: 60 },
    );
    await expectHealthy(srv);
  });
});

/** Sends one raw request line and headers; resolves with the status line (or '' if the server hung up). */
function rawRequest(target: string, upgrade: boolean): Promise<string> {
  const { port } = new URL(srv.url);
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), '127.0.0.1');
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.on('error', () => resolve(got.split('\r\n')[0] ?? ''));
    sock.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    const headers = upgrade ? `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${'A'.repeat(22)}==\r\nSec-WebSocket-Version: 13\r\n` : 'Connection: close\r\n';
    sock.write(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`, 'latin1'));
    setTimeout(() => sock.destroy(), 2000).unref();
  });
}

describe('request targets', () => {
  it('any request target, upgrade or not, gets an answer and never ends the process', async () => {
    const target = fc.oneof(
      fc.constantFrom('//', '//[', '/\\', '//a%20b', '//x:99999', '*', 'http://evil/ws', '/ws?ticket=%', '/%', '/peerjs/peerjs?id=%ZZ', '/../../etc/passwd', '/ws#x'),
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 200 }).map((t) => t.replace(/[\s]/g, '')).filter((t) => t.length > 0),
    );
    await fc.assert(
      fc.asyncProperty(target, fc.boolean(), async (t, upgrade) => {
        const status = await rawRequest(t, upgrade);
        expect(srv.child.exitCode).toBeNull();
        if (status) expect(status).toMatch(/^HTTP\/1\.1 [1-5]\d\d/);
      }),
      { numRuns: 120 },
    );
    await expectHealthy(srv);
  });

  it('refused upgrades do not hold connections: a client that never hangs up is cut', async () => {
    const fds = () => fs.readdirSync(`/proc/${srv.child.pid}/fd`).length;
    const before = fds();
    const { port } = new URL(srv.url);
    const held: net.Socket[] = [];
    for (let i = 0; i < 300; i++) {
      const sock = net.connect(Number(port), '127.0.0.1');
      sock.on('error', () => {});
      sock.write(`GET /ws?ticket=nope HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${'A'.repeat(22)}==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      held.push(sock); // never ended by us
    }
    await waitFor(() => (fds() <= before + 5 ? true : null), 'the refused connections to be closed', 5000);
    for (const s of held) s.destroy();
    await expectHealthy(srv);
  });
});

describe('/ws frames', () => {
  it('answers every generated message: invalid ones with bad_request, valid ones handled; the process lives', async () => {
    const shopper = await shopperSession(srv.url);
    const agent = await login(srv.url, DEMO.bob);
    await fc.assert(
      fc.asyncProperty(fc.array(hostileOf(ClientMessage), { minLength: 1, maxLength: 8 }), fc.boolean(), async (msgs, asAgent) => {
        const rt = await openRealtime(srv.url, asAgent ? agent.token : shopper.token);
        const frames = msgs.map((m) => JSON.stringify(m));
        const firstOversize = frames.findIndex((f) => Buffer.byteLength(f) > MAX_REALTIME_BYTES);
        if (firstOversize >= 0) {
          // An oversize frame closes this socket with 1009 (after answering the ones before it).
          for (const f of frames.slice(0, firstOversize + 1)) rt.sendRaw(f);
          expect((await rt.closed).code).toBe(1009);
          return;
        }
        // What the server sees is the JSON on the wire (e.g. an own `__proto__` key does not survive stringify).
        const invalid = frames.filter((f) => !ClientMessage.safeParse(JSON.parse(f)).success).length;
        for (const f of frames) rt.sendRaw(f);
        // Handled in order: the marker's answer comes after every earlier message's.
        rt.send({ type: 'conversation.resume', conversationId: 'marker', afterSeq: 0 });
        await rt.next('error', { where: (e) => e.conversationId === 'marker' });
        const errors = rt.received.filter((m) => m.type === 'error');
        expect(errors.filter((m) => m.code === ErrorCode.BadRequest)).toHaveLength(invalid);
        // A handler that throws something unexpected answers `internal`: never for any input.
        expect(errors.filter((m) => m.code === ErrorCode.Internal)).toEqual([]);
        expect(rt.invalid).toEqual([]);
        await rt.close();
      }),
      { numRuns: 40 },
    );
    await expectHealthy(srv);
  });

  it('closes only the offending socket: oversize 1009, invalid UTF-8 1007, repeated garbage 4400, flood 4429', async () => {
    const shopper = await shopperSession(srv.url);
    const bystander = await openRealtime(srv.url, (await login(srv.url, DEMO.sam)).token);

    const oversize = await openRealtime(srv.url, shopper.token);
    oversize.sendRaw('x'.repeat(MAX_REALTIME_BYTES + 1));
    expect((await oversize.closed).code).toBe(1009);

    const utf8 = await openRealtime(srv.url, shopper.token);
    utf8.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    expect((await utf8.closed).code).toBe(1007);

    const garbage = await openRealtime(srv.url, shopper.token);
    for (let i = 0; i < 12; i++) garbage.sendRaw(`not json ${i}`);
    expect((await garbage.closed).code).toBe(CloseCode.PolicyViolation);

    const flood = await openRealtime(srv.url, shopper.token);
    for (let i = 0; i < 3000; i++) flood.send({ type: 'conversation.resume', conversationId: `c${i}`, afterSeq: 0 });
    expect((await flood.closed).code).toBe(CloseCode.TooManyMessages);

    // The supervisor's socket saw none of it and still works.
    bystander.send({ type: 'conversation.resume', conversationId: 'still-here', afterSeq: 0 });
    expect(await bystander.next('error', { where: (e) => e.conversationId === 'still-here' })).toMatchObject({ code: ErrorCode.ConversationNotFound });
    await bystander.close();
    await expectHealthy(srv);
  });
});

describe('/peerjs', () => {
  it('refuses forged, expired and foreign peer tokens with 401 before the upgrade', async () => {
    const agent = await login(srv.url, DEMO.alice);
    const creds = await rtcCredentials(srv.url, agent.token);
    const owner = `agent:${agent.user.id}`;
    const cases: [string, string | null][] = [
      ['none', null],
      ['garbage', 'x.y.z'],
      ['expired', await forge(srv, 'peer', creds.peerId, { owner }, -5)],
      ['a staff token', agent.token],
      ['for another id', (await rtcCredentials(srv.url, agent.token)).peerToken],
    ];
    for (const [name, token] of cases) expect([name, await connectPeer(stack, creds.peerId, token)]).toEqual([name, { kind: 'refused', status: 401 }]);
    await expectHealthy(srv);
  });

  it('drops generated frames that are not for a peer of the same live media session, and closes oversize and invalid UTF-8', async () => {
    const alice = await login(srv.url, DEMO.alice);
    const sender = await openPeer(stack, await rtcCredentials(srv.url, alice.token));
    const target = await openPeer(stack, await rtcCredentials(srv.url, (await login(srv.url, DEMO.bob)).token));
    const frame = fc.record({
      type: fc.constantFrom('OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'EXPIRE', 'HEARTBEAT', 'OPEN', 'ID-TAKEN', 'x'),
      dst: fc.oneof(fc.constant(target.id), fc.string({ maxLength: 40 })),
      payload: fc.jsonValue({ maxDepth: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(frame, fc.jsonValue()), { maxLength: 10 }), async (frames) => {
        for (const f of frames) sender.sendRaw(JSON.stringify(f));
      }),
      { numRuns: 30 },
    );
    // No media session joins them: nothing may reach the target.
    await target.expectNone('OFFER', 300);
    expect(target.frames.filter((f) => f.type !== 'OPEN')).toEqual([]);

    const big = await openPeer(stack, await rtcCredentials(srv.url, alice.token));
    big.sendRaw(JSON.stringify({ type: 'OFFER', dst: target.id, payload: 'x'.repeat(MAX_SIGNAL_BYTES) }));
    expect((await big.closed).code).toBe(1009);
    await sender.close();
    const bad = await openPeer(stack, await rtcCredentials(srv.url, alice.token));
    bad.ws.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
    expect((await bad.closed).code).toBe(1007);
    await target.close();
    await expectHealthy(srv);
  });
});

describe('/peerjs policy with conversations', () => {
  it('relays only between the peers of one running media session; a bystander peer gets nothing and reaches nobody', async () => {
    const alice = await staffOnline(srv.url, DEMO.alice);
    const shopper = await acceptedBy(srv.url, alice, MediaKind.Video);
    const [agentCreds, shopperCreds] = [await rtcCredentials(srv.url, alice.login.token), await rtcCredentials(srv.url, shopper.token)];
    const [agentPeer, shopperPeer] = [await openPeer(stack, agentCreds), await openPeer(stack, shopperCreds)];
    alice.rt.send({ type: 'media.join', conversationId: shopper.conversationId, peerId: agentCreds.peerId });
    shopper.rt.send({ type: 'media.join', conversationId: shopper.conversationId, peerId: shopperCreds.peerId });
    await shopper.rt.next('media.peers', { where: (m) => m.peers.length === 1 });
    const bystander = await openPeer(stack, await rtcCredentials(srv.url, (await login(srv.url, DEMO.bob)).token));

    bystander.send({ type: 'OFFER', dst: agentCreds.peerId, payload: { sdp: 'from a bystander' } });
    shopperPeer.send({ type: 'OFFER', dst: bystander.id, payload: { sdp: 'to a bystander' } });
    shopperPeer.send({ type: 'OFFER', dst: agentCreds.peerId, payload: { sdp: 'in the session' } });
    expect((await agentPeer.next('OFFER')).payload).toEqual({ sdp: 'in the session' });
    await agentPeer.expectNone('OFFER', 300);
    expect(bystander.frames.filter((f) => f.type !== 'OPEN')).toEqual([]);

    // The end of the conversation ends the session's peers: nothing is relayed after.
    shopper.rt.send({ type: 'conversation.end', conversationId: shopper.conversationId });
    expect((await agentPeer.closed).code).toBe(1000);
    expect((await shopperPeer.closed).code).toBe(1000);
    for (const c of [shopper.rt, alice.rt, bystander]) await c.close();
    await expectHealthy(srv);
  });
});

describe('logs under a flood', () => {
  it('counts refused frames and upgrades instead of one log line each', async () => {
    const before = srv.logs.length;
    const alice = await login(srv.url, DEMO.alice);
    const peer = await openPeer(stack, await rtcCredentials(srv.url, alice.token));
    for (let i = 0; i < 20_000 && peer.ws.readyState === WebSocket.OPEN; i++) peer.sendRaw('{}');
    await peer.closed;
    for (let i = 0; i < 200; i++) await realtimeRefusal(stack, 'bad');
    // The summary is written every 10 s: at most a couple of lines, whatever the count.
    expect(srv.logs.length - before).toBeLessThan(5);
    await expectHealthy(srv);
  });
});
