import { SignJWT, jwtVerify, errors } from 'jose';
import { Role } from '../../../protocol/index';

/** Who a request or socket is, proven by a token this server issued. */
export type Principal =
  | { role: Role.Agent | Role.Supervisor; userId: number; name: string }
  | { role: Role.Shopper; shopperId: string; siteId: number; customerId: number | null };

export type PeerClaim = { peerId: string; owner: string };

/** A stable string naming a principal, e.g. `agent:3` or `shopper:s_…`. */
export function ownerOf(p: Principal): string {
  return p.role === Role.Shopper ? `shopper:${p.shopperId}` : `${p.role}:${p.userId}`;
}

const ISSUER = 'counterpart';
type Audience = 'staff' | 'shopper' | 'peer';

export class TokenService {
  private readonly key: Uint8Array;
  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
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
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  private async verify(aud: Audience, token: string) {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: aud, algorithms: ['HS256'] });
      return payload;
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
  }

  issueStaff(user: { id: number; name: string; role: Role.Agent | Role.Supervisor }, ttl: number) {
    return this.sign('staff', String(user.id), { role: user.role, name: user.name }, ttl);
  }

  issueShopper(s: { shopperId: string; siteId: number; customerId: number | null }, ttl: number) {
    return this.sign('shopper', s.shopperId, { site: s.siteId, cid: s.customerId }, ttl);
  }

  issuePeer(claim: PeerClaim, ttl: number) {
    return this.sign('peer', claim.peerId, { owner: claim.owner }, ttl);
  }

  /** Accepts a staff or a shopper token. */
  async principal(token: string): Promise<Principal | null> {
    const staff = await this.verify('staff', token);
    if (staff) {
      const role = staff.role === Role.Supervisor ? Role.Supervisor : staff.role === Role.Agent ? Role.Agent : null;
      const userId = Number(staff.sub);
      if (!role || !Number.isInteger(userId) || typeof staff.name !== 'string') return null;
      return { role, userId, name: staff.name };
    }
    const shopper = await this.verify('shopper', token);
    if (shopper && typeof shopper.sub === 'string' && typeof shopper.site === 'number') {
      const cid = typeof shopper.cid === 'number' ? shopper.cid : null;
      return { role: Role.Shopper, shopperId: shopper.sub, siteId: shopper.site, customerId: cid };
    }
    return null;
  }

  async peer(token: string): Promise<PeerClaim | null> {
    const p = await this.verify('peer', token);
    if (!p || typeof p.sub !== 'string' || typeof p.owner !== 'string') return null;
    return { peerId: p.sub, owner: p.owner };
  }
}
