/**
 * The PeerServer's door: which peer ids and tokens may connect, what a malformed frame does, and
 * what becomes of a staff session's peers when it signs out.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ConversationState, ErrorCode } from '../../protocol/index';
import { startConversation, startMessage } from '../helpers/conversations';
import { DEMO, httpRequest, login, rtcCredentials, shopperSession } from '../helpers/server';
import { refusals, secret, shopperCreds, stack, track, useSignalingStack } from '../helpers/signaling';
import { connectPeer, openPeer, openRealtime, watchUncaught } from '../helpers/sockets';

useSignalingStack();

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

describe('PeerServer: who may connect', () => {
  it('accepts a peer token issued for exactly that id (PeerJS OPEN)', async () => {
    const { creds } = await shopperCreds();
    const r = await connectPeer(stack, creds.peerId, creds.peerToken);
    expect(r.kind).toBe('open');
    if (r.kind !== 'open') return;
    track(r.socket);
    expect(await r.socket.next('OPEN')).toEqual({ type: 'OPEN' });
  });

  it('lets a shopper’s peer connect only while the shopper is in a live conversation', async () => {
    const s = await shopperSession(stack.url);
    const rt = track(await openRealtime(stack, s.token));
    const creds = () => httpRequest(`${stack.url}/api/rtc/credentials`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } });
    expect((await creds()).json).toMatchObject({ error: { code: ErrorCode.ConversationNotFound } });
    const { conversation } = await startConversation(rt, startMessage());
    const mine = await rtcCredentials(stack.url, s.token);
    await (await openPeer(stack, mine)).close();
    rt.send({ type: 'conversation.end', conversationId: conversation.id });
    await rt.next('conversation.update', { where: (m) => m.conversation.state === ConversationState.Abandoned });
    expect((await creds()).status).toBe(404);
    // Its peer token has not expired, but the shopper is in no conversation now: refused before any socket.
    const before = refusals('signaling.no_conversation');
    expect(await connectPeer(stack, mine.peerId, mine.peerToken)).toEqual({ kind: 'refused', status: 401 });
    expect(refusals('signaling.no_conversation') - before).toBe(1);
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
    const refusedBefore = refusals('signaling.unauthorized');
    for (const [what, id, token] of attempts) {
      const r = await connectPeer(stack, id, token);
      if (r.kind === 'open') {
        track(r.socket);
        const frame = await r.socket.next('OPEN', { timeoutMs: 500 }).catch(() => null);
        expect.fail(`${what}: the upgrade was accepted${frame ? ' and PeerJS said OPEN' : ''}`);
      }
      expect({ what, r }).toEqual({ what, r: { kind: 'refused', status: 401 } });
    }
    expect(refusals('signaling.unauthorized') - refusedBefore).toBe(attempts.length);
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

describe('PeerServer sockets of a staff session that ends', () => {
  it('signing out closes the session’s peers (4401) and its unused peer tokens connect nothing', async () => {
    const bob = await login(stack.url, DEMO.bob);
    const other = await login(stack.url, DEMO.bob); // another session of the same agent
    const open = await openPeer(stack, await rtcCredentials(stack.url, bob.token));
    const unused = await rtcCredentials(stack.url, bob.token);
    const otherPeer = await openPeer(stack, await rtcCredentials(stack.url, other.token));

    const out = await httpRequest(`${stack.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${bob.token}` } });
    expect(out.status).toBe(204);
    expect((await open.closed).code).toBe(4401);
    expect(await connectPeer(stack, unused.peerId, unused.peerToken)).toEqual({ kind: 'refused', status: 401 });
    // The other session's peer is untouched.
    expect(otherPeer.ws.readyState).toBe(otherPeer.ws.OPEN);
    await otherPeer.close();
  });
});
