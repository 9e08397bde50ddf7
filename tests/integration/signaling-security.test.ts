import fs from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, MAX_SIGNAL_BYTES, MediaKind, Presence, type RtcCredentials } from '../../protocol/index';
import { DEMO, login, rtcCredentials, shopperSession, startStack, type Stack } from '../helpers/server';
import { connectPeer, openPeer, openRealtime, realtimeOutcome, type PeerSocket, type RealtimeClient, watchUncaught } from '../helpers/sockets';

/** How long a message that must not be relayed is given to arrive anyway. */
const QUIET_MS = 1000;

let stack: Stack;
let secret: string;
beforeAll(async () => {
  stack = await startStack();
  secret = fs.readFileSync(path.join(stack.dataDir, 'jwt-secret'), 'utf8').trim();
});
afterAll(async () => {
  await stack?.close();
});

const open: { close(): Promise<unknown> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});
function track<T extends { close(): Promise<unknown> }>(s: T): T {
  open.push(s);
  return s;
}

async function peerToken(key: string, claims: { sub: string; owner: string; aud?: string; exp: number }): Promise<string> {
  return new SignJWT({ owner: claims.owner })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('counterpart')
    .setAudience(claims.aud ?? 'peer')
    .setSubject(claims.sub)
    .setIssuedAt(claims.exp - 3600)
    .setExpirationTime(claims.exp)
    .sign(new TextEncoder().encode(key));
}

async function shopperCreds(): Promise<{ token: string; shopperId: string; creds: RtcCredentials }> {
  const s = await shopperSession(stack.url);
  return { token: s.token, shopperId: s.shopperId, creds: await rtcCredentials(stack.url, s.token) };
}

function offer(from: RtcCredentials, to: string, sdp = 'v=0 test offer'): { type: string; dst: string; payload: unknown } {
  return { type: 'OFFER', dst: to, payload: { sdp: { type: 'offer', sdp }, type: 'media', connectionId: `mc_${from.peerId.slice(-6)}` } };
}

describe('PeerServer: who may connect', () => {
  it('accepts a peer token issued for exactly that id (PeerJS OPEN)', async () => {
    const { creds } = await shopperCreds();
    const r = await connectPeer(stack, creds.peerId, creds.peerToken);
    expect(r.kind).toBe('open');
    if (r.kind !== 'open') return;
    track(r.socket);
    expect(await r.socket.next('OPEN')).toEqual({ type: 'OPEN' });
  });

  it('refuses another peer’s id, forged, expired, wrong-audience and missing tokens with HTTP 401', async () => {
    const a = await shopperCreds();
    const b = await shopperCreds();
    const now = Math.floor(Date.now() / 1000);
    const owner = `shopper:${b.shopperId}`;
    const attempts: [string, string, string | null][] = [
      ['token of A used with id B', b.creds.peerId, a.creds.peerToken],
      ['forged: signed with another secret', b.creds.peerId, await peerToken('x'.repeat(64), { sub: b.creds.peerId, owner, exp: now + 3600 })],
      ['expired peer token signed with the server secret', b.creds.peerId, await peerToken(secret, { sub: b.creds.peerId, owner, exp: now - 60 })],
      ['a shopper session token, not a peer token', b.creds.peerId, b.token],
      ['server-signed, audience staff', b.creds.peerId, await peerToken(secret, { sub: b.creds.peerId, owner, aud: 'staff', exp: now + 3600 })],
      ['garbage token', b.creds.peerId, 'not.a.jwt'],
      ['no token', b.creds.peerId, null],
    ];
    for (const [what, id, token] of attempts) {
      const r = await connectPeer(stack, id, token);
      if (r.kind === 'open') {
        track(r.socket);
        const frame = await r.socket.next('OPEN', { timeoutMs: 500 }).catch(() => null);
        expect.fail(`${what}: the upgrade was accepted${frame ? ' and PeerJS said OPEN' : ''}`);
      }
      expect({ what, r }).toEqual({ what, r: { kind: 'refused', status: 401 } });
    }
    // Control: the same server-signed construction, unexpired, is accepted.
    const fresh = await peerToken(secret, { sub: b.creds.peerId, owner, exp: now + 3600 });
    track(await openPeer(stack, { peerId: b.creds.peerId, peerToken: fresh }));
  });

  it('does not let a second socket take over a connected id without its token', async () => {
    const a = await shopperCreds();
    const other = await shopperCreds();
    const sockA = track(await openPeer(stack, a.creds));
    const now = Math.floor(Date.now() / 1000);
    for (const token of [null, other.creds.peerToken, await peerToken('y'.repeat(64), { sub: a.creds.peerId, owner: `shopper:${a.shopperId}`, exp: now + 600 })]) {
      const r = await connectPeer(stack, a.creds.peerId, token);
      if (r.kind === 'open') track(r.socket);
      expect(r).toEqual({ kind: 'refused', status: 401 });
    }
    // A is still the one registered under its id: nothing closed it or told it the id is taken.
    const quiet = await Promise.race([sockA.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 300))]);
    expect(quiet).toBe('open');
    expect(sockA.frames.map((f) => f.type)).toEqual(['OPEN']);
  });
});

type LiveCall = {
  callId: string;
  agentCreds: RtcCredentials;
  shopper: { token: string; shopperId: string; creds: RtcCredentials };
  agentPeer: PeerSocket;
  shopperPeer: PeerSocket;
  agentRt: RealtimeClient;
  shopperRt: RealtimeClient;
};

/** Opens both peers, then assigns the call for real: presence → call.request → ring → accept → connect. */
async function liveCall(agent: { email: string; password: string }, beforeAssignment?: (c: Omit<LiveCall, 'callId' | 'agentRt' | 'shopperRt'>) => Promise<void>): Promise<LiveCall> {
  const agentLogin = await login(stack.url, agent);
  const agentCreds = await rtcCredentials(stack.url, agentLogin.token);
  const shopper = await shopperCreds();
  const agentPeer = track(await openPeer(stack, agentCreds));
  const shopperPeer = track(await openPeer(stack, shopper.creds));
  await beforeAssignment?.({ agentCreds, shopper, agentPeer, shopperPeer });

  const agentRt = track(await openRealtime(stack, agentLogin.token));
  const shopperRt = track(await openRealtime(stack, shopper.token));
  agentRt.send({ type: 'presence.set', presence: Presence.Available });
  await agentRt.next('agent.self', { where: (m) => m.presence === Presence.Available });
  shopperRt.send({ type: 'call.request', media: MediaKind.Video, peerId: shopper.creds.peerId, context: { productId: null, pageUrl: 'http://shop.test/' } });
  const ring = await agentRt.next('call.ring');
  agentRt.send({ type: 'call.accept', callId: ring.callId, peerId: agentCreds.peerId });
  const agentConnect = await agentRt.next('call.connect');
  const shopperConnect = await shopperRt.next('call.connect');
  expect(agentConnect.remotePeerId).toBe(shopper.creds.peerId);
  expect(shopperConnect.remotePeerId).toBe(agentCreds.peerId);
  return { callId: ring.callId, agentCreds, shopper, agentPeer, shopperPeer, agentRt, shopperRt };
}

async function endCall(c: LiveCall): Promise<void> {
  c.agentRt.send({ type: 'call.hangup', callId: c.callId });
  await c.shopperRt.next('call.ended');
  expect(c.agentRt.invalid).toEqual([]);
  expect(c.shopperRt.invalid).toEqual([]);
  await Promise.all([c.agentRt.close(), c.shopperRt.close()]);
}

describe('PeerServer: who may signal whom', () => {
  it('relays an OFFER only between the two peers of a live call', async () => {
    const intruder = await shopperCreds();
    const intruderPeer = track(await openPeer(stack, intruder.creds));

    const c = await liveCall(DEMO.alice, async ({ agentCreds, shopper, agentPeer, shopperPeer }) => {
      // Negative: no call yet, so the agent's peer is not assigned to this shopper.
      shopperPeer.send(offer(shopper.creds, agentCreds.peerId, 'before assignment'));
      intruderPeer.send({ type: 'CANDIDATE', dst: agentCreds.peerId, payload: { candidate: 'x' } });
      await agentPeer.expectNone('OFFER', QUIET_MS);
      await agentPeer.expectNone('CANDIDATE', 0);
    });
    const { agentCreds, shopper, agentPeer, shopperPeer } = c;

    // Positive control: after the assignment the same OFFER arrives, with the server-set src.
    shopperPeer.send(offer(shopper.creds, agentCreds.peerId, 'after assignment'));
    const got = await agentPeer.next('OFFER');
    expect(got).toMatchObject({ type: 'OFFER', src: shopper.creds.peerId, dst: agentCreds.peerId });
    expect(JSON.stringify(got.payload)).toContain('after assignment');
    expect(agentPeer.frames.filter((f) => f.type === 'OFFER')).toHaveLength(1);
    // ...and the answer goes back.
    agentPeer.send({ type: 'ANSWER', dst: shopper.creds.peerId, payload: { sdp: { type: 'answer', sdp: 'v=0' } } });
    expect(await shopperPeer.next('ANSWER')).toMatchObject({ src: agentCreds.peerId });

    // Still negative for a peer outside the call, even while the call is live.
    intruderPeer.send(offer(intruder.creds, agentCreds.peerId, 'intruder'));
    intruderPeer.send({ type: 'OFFER', dst: shopper.creds.peerId, payload: { sdp: 'intruder' } });
    await agentPeer.expectNone('OFFER', QUIET_MS);
    await shopperPeer.expectNone('OFFER', 0);

    // A message just under the size limit passes.
    const fits = offer(shopper.creds, agentCreds.peerId, 'y'.repeat(MAX_SIGNAL_BYTES - 1024));
    expect(Buffer.byteLength(JSON.stringify(fits))).toBeLessThanOrEqual(MAX_SIGNAL_BYTES);
    shopperPeer.send(fits);
    expect((await agentPeer.next('OFFER')).src).toBe(shopper.creds.peerId);

    // After the call ends, the pair may no longer signal.
    await endCall(c);
    shopperPeer.send(offer(shopper.creds, agentCreds.peerId, 'after hangup'));
    await agentPeer.expectNone('OFFER', QUIET_MS);
  });

  it('closes a socket that sends more than MAX_SIGNAL_BYTES (1009), relays nothing and keeps running', async () => {
    const c = await liveCall(DEMO.bob);
    const uncaught = watchUncaught();
    try {
      c.shopperPeer.send(offer(c.shopper.creds, c.agentCreds.peerId, 'x'.repeat(MAX_SIGNAL_BYTES + 1)));
      expect((await c.shopperPeer.closed).code).toBe(1009);
      await c.agentPeer.expectNone('OFFER', QUIET_MS);
    } finally {
      uncaught.stop();
    }
    expect(uncaught.errors.map((e) => e.message), 'an oversized signaling frame must not throw in the server').toEqual([]);
    // The peer can come back with its token and signal normally.
    const again = track(await openPeer(stack, c.shopper.creds));
    again.send(offer(c.shopper.creds, c.agentCreds.peerId, 'small'));
    expect((await c.agentPeer.next('OFFER')).src).toBe(c.shopper.creds.peerId);
    await endCall(c);
  });
});

describe('PeerServer: malformed frames', () => {
  it('closes a socket that sends invalid UTF-8 (1007) without an uncaught error in the server', async () => {
    const { creds } = await shopperCreds();
    const sock = track(await openPeer(stack, creds));
    const uncaught = watchUncaught();
    try {
      sock.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      expect((await sock.closed).code).toBe(1007);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      uncaught.stop();
    }
    expect(uncaught.errors.map((e) => e.message)).toEqual([]);
    // The server still serves peers.
    const { creds: next } = await shopperCreds();
    track(await openPeer(stack, next));
  });
});

describe('realtime channel authentication', () => {
  it('closes with 4401 without a token or with a bad one', async () => {
    const s = await shopperSession(stack.url);
    const creds = await rtcCredentials(stack.url, s.token);
    const forged = await new SignJWT({ role: 'supervisor', name: 'Mallory' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('counterpart')
      .setAudience('staff')
      .setSubject('3')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('z'.repeat(64)));
    for (const token of [null, '', 'garbage', forged, creds.peerToken]) {
      const out = await realtimeOutcome(stack, token);
      expect({ token, code: out.close.code, messages: out.messages }).toEqual({ token, code: CloseCode.Unauthorized, messages: [] });
    }
    // Control: a real token gets hello.
    const ok = track(await openRealtime(stack, s.token));
    expect(ok.hello.userId).toBe(s.shopperId);
  });
});
