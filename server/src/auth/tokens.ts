import { randomBytes, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors, type JWTPayload } from 'jose';
import { Role, partyKey, type Party, type StaffRole, STAFF_ROLES } from '../../../protocol/index';

/** Who a request or socket is, proven by a token this server issued. */
export type Principal =
  | { role: StaffRole; userId: number; name: string; sessionId: string }
  /** `net`: the budget key of the address the session was made from (see addressKey). */
  | { role: Role.Shopper; shopperId: string; siteId: number; customerId: number | null; net: string };

/** What a realtime ticket proves: who, and until when the socket it opens may live. */
export type TicketClaim = { principal: Principal; jti: string; expiresAt: Date; socketUntil: Date };

/** A peer id, its owner, and for staff the session it belongs to (revoking it closes the peer). */
export type PeerClaim = { peerId: string; owner: string; sessionId: string | null };

/** The party a principal is (a shopper's session id, a staff member's user id). */
export function partyOfPrincipal(p: Principal): Party {
  return p.role === Role.Shopper ? { role: Role.Shopper, id: p.shopperId } : { role: p.role, id: String(p.userId) };
}

/** A stable string naming a principal, e.g. `agent:3` or `shopper:…`: its party's key. */
export function ownerOf(p: Principal): string {
  return partyKey(partyOfPrincipal(p));
}

const ISSUER = 'counterpart';
type Audience = 'staff' | 'shopper' | 'peer' | 'ticket' | 'ticket_link' | 'invite';

export class TokenService {
  /** Imported once: jose imports raw key bytes again on every sign and verify (~60 µs each). */
  private readonly key: Promise<CryptoKey>;
  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the token secret must be at least 32 characters');
    this.key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  private async sign(aud: Audience, sub: string, claims: Record<string, unknown>, ttlSeconds: number) {
    const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(aud)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(await this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  private async verify(aud: Audience, token: string) {
    try {
      const { payload } = await jwtVerify(token, await this.key, { issuer: ISSUER, audience: aud, algorithms: ['HS256'] });
      return payload;
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
  }

  issueStaff(user: { id: number; name: string; role: StaffRole; sessionId: string }, ttl: number) {
    return this.sign('staff', String(user.id), { role: user.role, name: user.name, sid: user.sessionId }, ttl);
  }

  /**
   * A single-use ticket for one realtime socket (the caller records its `jti` as used). It carries
   * the principal and when the token it was traded for expires: the socket is closed then.
   */
  issueTicket(p: Principal, socketUntil: Date, ttl: number) {
    const jti = randomBytes(16).toString('base64url');
    const sub = p.role === Role.Shopper ? p.shopperId : String(p.userId);
    const claims = p.role === Role.Shopper ? { role: p.role, site: p.siteId, cid: p.customerId, net: p.net } : { role: p.role, name: p.name, sid: p.sessionId };
    return this.sign('ticket', sub, { ...claims, jti, until: Math.floor(socketUntil.getTime() / 1000) }, ttl);
  }

  async ticket(token: string): Promise<TicketClaim | null> {
    const t = await this.verify('ticket', token);
    if (!t || typeof t.jti !== 'string' || typeof t.until !== 'number' || typeof t.exp !== 'number') return null;
    const principal = principalFrom(t.role === Role.Shopper ? 'shopper' : 'staff', t);
    return principal ? { principal, jti: t.jti, expiresAt: new Date(t.exp * 1000), socketUntil: new Date(t.until * 1000) } : null;
  }



  issueShopper(s: { shopperId: string; siteId: number; customerId: number | null; net: string }, ttl: number) {
    return this.sign('shopper', s.shopperId, { site: s.siteId, cid: s.customerId, net: s.net }, ttl);
  }

  issuePeer(claim: PeerClaim, ttl: number) {
    return this.sign('peer', claim.peerId, { owner: claim.owner, ...(claim.sessionId ? { sid: claim.sessionId } : {}) }, ttl);
  }

  /** A shopper's link to one support ticket: it names that ticket (and its site) and nothing else. */
  issueTicketLink(ticketId: number, siteId: number, ttl: number) {
    return this.sign('ticket_link', String(ticketId), { site: siteId }, ttl);
  }

  async ticketLink(token: string): Promise<{ ticketId: number; siteId: number } | null> {
    const t = await this.verify('ticket_link', token);
    const ticketId = Number(t?.sub);
    if (!t || !Number.isSafeInteger(ticketId) || ticketId <= 0 || typeof t.site !== 'number') return null;
    return { ticketId, siteId: t.site };
  }

  /** An invite to set the first password of one account (single use: it works only while the account has none). */
  issueInvite(userId: number, ttl: number) {
    // A fresh id per link: a link sent again differs from the one that was lost.
    return this.sign('invite', String(userId), { jti: randomBytes(12).toString('base64url') }, ttl);
  }

  async invite(token: string): Promise<number | null> {
    const t = await this.verify('invite', token);
    const id = Number(t?.sub);
    return t && Number.isSafeInteger(id) && id > 0 ? id : null;
  }

  /** Accepts a staff or a shopper token: who it names and when it expires. */
  async identify(token: string): Promise<{ principal: Principal; expiresAt: Date } | null> {
    const staff = await this.verify('staff', token);
    const claims = staff ?? (await this.verify('shopper', token));
    const principal = claims && principalFrom(staff ? 'staff' : 'shopper', claims);
    return principal && typeof claims.exp === 'number' ? { principal, expiresAt: new Date(claims.exp * 1000) } : null;
  }

  async principal(token: string): Promise<Principal | null> {
    return (await this.identify(token))?.principal ?? null;
  }

  async peer(token: string): Promise<PeerClaim | null> {
    const p = await this.verify('peer', token);
    if (!p || typeof p.sub !== 'string' || typeof p.owner !== 'string') return null;
    return { peerId: p.sub, owner: p.owner, sessionId: typeof p.sid === 'string' ? p.sid : null };
  }
}

/** The principal a verified token's claims name, or null when they are not well formed. */
function principalFrom(kind: 'staff' | 'shopper', c: JWTPayload): Principal | null {
  if (kind === 'shopper') {
    if (typeof c.sub !== 'string' || typeof c.site !== 'number') return null;
    const net = typeof c.net === 'string' ? c.net : '';
    return { role: Role.Shopper, shopperId: c.sub, siteId: c.site, customerId: typeof c.cid === 'number' ? c.cid : null, net };
  }
  const role = (STAFF_ROLES as readonly unknown[]).includes(c.role) ? (c.role as StaffRole) : null;
  const userId = Number(c.sub);
  if (!role || !Number.isInteger(userId) || typeof c.name !== 'string' || typeof c.sid !== 'string') return null;
  return { role, userId, name: c.name, sessionId: c.sid };
}
