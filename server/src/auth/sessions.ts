import { createHash, randomBytes } from 'node:crypto';
import { CounterpartError, ErrorCode, Role, STAFF_ROLES, type LoginResponse, type StaffRole } from '../../../protocol/index';
import type { Db } from '../db/index';
import type { Principal, TokenService } from './tokens';

export type StaffUser = { id: number; name: string; email: string; role: string; active?: boolean | number };

export const isStaffRole = (r: string): r is StaffRole => (STAFF_ROLES as readonly string[]).includes(r);
export type SessionOptions = { accessTtlSeconds: number; maxAgeSeconds: number; refreshGraceSeconds: number };
type Row = { id: string; user_id: number; refresh_hash: string; expires_at: string; revoked_at: string | null };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const CACHE_MS = 2000;

/**
 * Staff sessions in the database: login creates one, refresh rotates its refresh token with a
 * compare-and-set (the old token is refused and recorded as spent; presenting a spent one again
 * revokes the session, as a stolen copy would), logout revokes it, and nothing outlives its absolute age. Access tokens carry the
 * session id; a revoked session's tokens stop working at once (a 2 s cache per session at most on
 * other nodes).
 */
export class StaffSessions {
  private readonly live = new Map<string, { ok: boolean; until: number }>();
  /** Called with the session id when a session is revoked (its sockets are closed). */
  onRevoked: (sid: string) => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
    private readonly opts: SessionOptions,
  ) {}

  async create(user: StaffUser): Promise<LoginResponse> {
    const id = randomBytes(16).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const now = new Date();
    const expires = new Date(now.getTime() + this.opts.maxAgeSeconds * 1000);
    await this.db('staff_sessions').insert({ id, user_id: user.id, refresh_hash: sha256(secret), created_at: now.toISOString(), expires_at: expires.toISOString() });
    return this.respond(user, id, secret, expires);
  }

  /** Trades a refresh token for a new pair; the one presented is spent. */
  async refresh(refreshToken: string): Promise<LoginResponse> {
    const [sid, secret] = refreshToken.split('.');
    const refused = new CounterpartError(ErrorCode.Unauthorized, 'This session has ended; sign in again');
    if (!sid || !secret || !/^[0-9a-f]{32}$/.test(sid)) throw refused;
    const next = randomBytes(32).toString('base64url');
    const nowIso = new Date().toISOString();
    const presented = sha256(secret);
    const live = () => this.db('staff_sessions').where({ id: sid, revoked_at: null }).andWhere('expires_at', '>', nowIso);
    let changed = await live().andWhere({ refresh_hash: presented }).update({ refresh_hash: sha256(next), previous_hash: presented, refreshed_at: nowIso });
    // The token just replaced, again within the grace: the client never got our answer (network
    // loss) and retries. It gets a fresh pair once; the pair it missed stops working.
    if (changed !== 1) {
      const graceFrom = new Date(Date.now() - this.opts.refreshGraceSeconds * 1000).toISOString();
      changed = await live()
        .andWhere({ previous_hash: presented })
        .andWhere('refreshed_at', '>', graceFrom)
        .update({ refresh_hash: sha256(next), previous_hash: null, refreshed_at: nowIso });
    }
    const row = await this.db('staff_sessions').where({ id: sid }).first<Row | undefined>();
    if (!row) throw refused;
    const spentKey = `r:${presented}`;
    if (changed !== 1) {
      // A spent refresh token came back: a copy is in other hands. End the session. (A made-up
      // token for a known session id is only refused: it must not sign anyone out.)
      const spent = await this.db('used_nonces').where({ nonce: spentKey }).first();
      if (!row.revoked_at && spent) await this.revoke(sid, 'refresh_reused');
      throw refused;
    }
    await this.db('used_nonces').insert({ nonce: spentKey, expires_at: row.expires_at }).onConflict('nonce').ignore();
    const user = await this.db('users').where({ id: row.user_id }).first<StaffUser | undefined>();
    if (!user || !isStaffRole(user.role) || user.active === false || user.active === 0) {
      await this.revoke(sid, 'account_removed');
      throw refused;
    }
    return this.respond(user, sid, next, new Date(row.expires_at));
  }

  /** Ends every live session of a user (deactivated, role changed): their sockets close. */
  async revokeUser(userId: number, reason: string): Promise<void> {
    const rows: { id: string }[] = await this.db('staff_sessions').where({ user_id: userId }).whereNull('revoked_at').select('id');
    for (const r of rows) await this.revoke(r.id, reason);
  }

  async revoke(sid: string, reason: string): Promise<void> {
    await this.db('staff_sessions').where({ id: sid, revoked_at: null }).update({ revoked_at: new Date().toISOString(), revoke_reason: reason });
    this.live.set(sid, { ok: false, until: Number.POSITIVE_INFINITY });
    this.onRevoked(sid);
  }

  /** Who an access token names and when it expires, if its session is still live. */
  async authenticate(token: string): Promise<{ principal: Principal; expiresAt: Date } | null> {
    const id = await this.tokens.identify(token);
    if (!id || id.principal.role === Role.Shopper) return id;
    return (await this.isLive(id.principal.sessionId)) ? id : null;
  }

  async isLive(sid: string): Promise<boolean> {
    const cached = this.live.get(sid);
    if (cached && cached.until > Date.now()) return cached.ok;
    const row = await this.db('staff_sessions').where({ id: sid }).first<Row | undefined>();
    const ok = Boolean(row && !row.revoked_at && Date.parse(row.expires_at) > Date.now());
    if (this.live.size > 10_000) this.live.clear();
    this.live.set(sid, { ok, until: Date.now() + CACHE_MS });
    return ok;
  }

  private async respond(user: StaffUser, sid: string, secret: string, sessionEnd: Date): Promise<LoginResponse> {
    const role = isStaffRole(user.role) ? user.role : Role.Agent;
    const ttl = Math.max(1, Math.min(this.opts.accessTtlSeconds, Math.floor((sessionEnd.getTime() - Date.now()) / 1000)));
    const { token, expiresAt } = await this.tokens.issueStaff({ id: user.id, name: user.name, role, sessionId: sid }, ttl);
    return {
      token,
      expiresAt,
      refreshToken: `${sid}.${secret}`,
      sessionExpiresAt: sessionEnd.toISOString(),
      user: { id: user.id, name: user.name, email: user.email, role },
    };
  }
}
