/** The realtime channel's door: one-use tickets, who may buy them, and renewing a socket's session with one. */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ErrorCode, RealtimeTicket, Role, TICKET_TTL_SECONDS } from '../../protocol/index';
import { DEMO, httpRequest, login, rtcCredentials, shopperSession } from '../helpers/server';
import { refusals, secret, stack, track, useSignalingStack } from '../helpers/signaling';
import { openRealtime, openRealtimeWithTicket, realtimeRefusal, realtimeTicket } from '../helpers/sockets';

useSignalingStack();

describe('realtime channel authentication', () => {
  async function ticketToken(key: string, claims: Record<string, unknown>, exp: number): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('counterpart')
      .setAudience('ticket')
      .setSubject(String(claims.sub ?? '3'))
      .setIssuedAt(exp - 30)
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(key));
  }

  it('refuses the upgrade with HTTP 401, before any socket, without a ticket or with a bad one', async () => {
    const s = await shopperSession(stack.url);
    const alice = await login(stack.url, DEMO.alice);
    const peer = await rtcCredentials(stack.url, alice.token);
    const now = Math.floor(Date.now() / 1000);
    const staffClaims = { role: 'supervisor', name: 'Mallory', sid: '0'.repeat(32), until: now + 3600 };
    const attempts: [string, string | null][] = [
      ['no ticket', null],
      ['empty ticket', ''],
      ['garbage', 'garbage'],
      ['a ticket signed with another secret', await ticketToken('z'.repeat(64), { ...staffClaims, jti: 'forged-jti-1' }, now + 30)],
      ['an expired ticket signed with the server secret', await ticketToken(secret, { ...staffClaims, jti: 'expired-jti-1' }, now - 60)],
      ['a staff bearer token (the old ?token=)', alice.token],
      ['a shopper bearer token', s.token],
      ['a peer token', peer.peerToken],
      ['an oversized ticket', 'x'.repeat(5000)],
    ];
    const before = refusals('realtime.unauthorized');
    for (const [what, ticket] of attempts) expect({ what, outcome: await realtimeRefusal(stack, ticket) }).toEqual({ what, outcome: 401 });
    expect(refusals('realtime.unauthorized') - before).toBe(attempts.length);
    // Control: the session's own first ticket opens a socket that says hello.
    const ok = track(await openRealtimeWithTicket(stack.url, s.ticket.ticket));
    expect(ok.hello).toMatchObject({ role: Role.Shopper, userId: s.shopperId });
  });

  it('opens one socket per ticket: a used ticket is refused with 401', async () => {
    const s = await shopperSession(stack.url);
    const first = track(await openRealtimeWithTicket(stack.url, s.ticket.ticket));
    expect(await realtimeRefusal(stack, s.ticket.ticket)).toBe(401);
    await first.close();
    expect(await realtimeRefusal(stack, s.ticket.ticket)).toBe(401);
    // A fresh ticket for the same session works.
    const again = track(await openRealtime(stack, s.token));
    expect(again.hello.userId).toBe(s.shopperId);

    const alice = await login(stack.url, DEMO.alice);
    const ticket = await realtimeTicket(stack.url, alice.token);
    const agentSock = track(await openRealtimeWithTicket(stack.url, ticket));
    expect(agentSock.hello).toMatchObject({ role: Role.Agent, userId: String(alice.user.id) });
    expect(await realtimeRefusal(stack, ticket)).toBe(401);
  });

  it('issues tickets (POST /api/realtime/ticket) for a bearer token only, short-lived', async () => {
    const ticketWith = (headers: Record<string, string>) => httpRequest(`${stack.url}/api/realtime/ticket`, { method: 'POST', headers });
    const alice = await login(stack.url, DEMO.alice);
    const peer = await rtcCredentials(stack.url, alice.token);
    for (const headers of [{}, { authorization: 'Bearer garbage' }, { authorization: `Bearer ${peer.peerToken}` }] as Record<string, string>[]) {
      const res = await ticketWith(headers);
      expect({ status: res.status, body: res.json }).toMatchObject({ status: 401, body: { error: { code: ErrorCode.Unauthorized } } });
    }
    // A ticket is not a bearer token either: it cannot buy more tickets.
    const t = await realtimeTicket(stack.url, alice.token);
    expect((await ticketWith({ authorization: `Bearer ${t}` })).status).toBe(401);
    const s = await shopperSession(stack.url);
    const res = await ticketWith({ authorization: `Bearer ${s.token}` });
    expect(res.status).toBe(200);
    const issued = RealtimeTicket.parse(res.json);
    expect(Date.parse(issued.expiresAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(issued.expiresAt)).toBeLessThanOrEqual(Date.now() + (TICKET_TTL_SECONDS + 2) * 1000);
  });

  it('renews a socket’s session only with a fresh ticket of the same owner', async () => {
    const a = await shopperSession(stack.url);
    const b = await shopperSession(stack.url);
    const sock = track(await openRealtimeWithTicket(stack.url, a.ticket.ticket));
    sock.send({ type: 'session.renew', ticket: b.ticket.ticket });
    expect(await sock.next('error')).toMatchObject({ code: ErrorCode.Unauthorized });
    const fresh = await realtimeTicket(stack.url, a.token);
    sock.send({ type: 'session.renew', ticket: fresh });
    expect(await sock.next('session.renewed')).toEqual({ type: 'session.renewed', expiresAt: new Date(Date.parse(a.expiresAt)).toISOString() });
    // The ticket was spent by the renewal.
    sock.send({ type: 'session.renew', ticket: fresh });
    expect(await sock.next('error')).toMatchObject({ code: ErrorCode.Unauthorized });
    expect(await realtimeRefusal(stack, fresh)).toBe(401);
    expect(sock.ws.readyState).toBe(sock.ws.OPEN);
  });
});
