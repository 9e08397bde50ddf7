import type { Context, Next } from 'koa';
import { CounterpartError, ErrorCode, Role } from '../../../protocol/index';
import { requireCan, type Permission } from '../auth/permissions';
import type { StaffSessions } from '../auth/sessions';
import type { Principal } from '../auth/tokens';

export type AuthState = { principal: Principal; tokenExpiresAt: Date };

/** Requires a bearer token this server issued, of a live session; puts the principal on `ctx.state`. */
export function requireAuth(sessions: StaffSessions, ...roles: Role[]) {
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('authorization');
    const token = header.startsWith('Bearer ') ? header.slice(7) : null;
    const id = token && token.length <= 4096 ? await sessions.authenticate(token) : null;
    if (!id) throw new CounterpartError(ErrorCode.Unauthorized, 'Sign in first (missing, expired or revoked token)');
    if (roles.length && !roles.includes(id.principal.role))
      throw new CounterpartError(ErrorCode.Forbidden, `This needs the ${roles.join(' or ')} role`);
    const state = ctx.state as AuthState;
    state.principal = id.principal;
    state.tokenExpiresAt = id.expiresAt;
    await next();
  };
}

/** Requires a staff token whose role has this permission (see server/src/auth/permissions.ts). */
export function requirePermission(sessions: StaffSessions, permission: Permission) {
  const auth = requireAuth(sessions);
  return (ctx: Context, next: Next) =>
    auth(ctx, async () => {
      requireCan((ctx.state as AuthState).principal.role, permission);
      await next();
    });
}

export const principalOf = (ctx: Context): Principal => (ctx.state as AuthState).principal;
export const tokenExpiryOf = (ctx: Context): Date => (ctx.state as AuthState).tokenExpiresAt;
