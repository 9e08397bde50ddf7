import type { Context, Next } from 'koa';
import { CounterpartError, ErrorCode, Role } from '../../../protocol/index';
import type { Principal, TokenService } from '../auth/tokens';

export type AuthState = { principal: Principal };

/** Requires a bearer token this server issued; puts the principal on `ctx.state`. */
export function requireAuth(tokens: TokenService, ...roles: Role[]) {
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('authorization');
    const token = header.startsWith('Bearer ') ? header.slice(7) : null;
    const principal = token ? await tokens.principal(token) : null;
    if (!principal) throw new CounterpartError(ErrorCode.Unauthorized, 'Sign in first (missing or expired token)');
    if (roles.length && !roles.includes(principal.role))
      throw new CounterpartError(ErrorCode.Forbidden, `This needs the ${roles.join(' or ')} role`);
    (ctx.state as AuthState).principal = principal;
    await next();
  };
}

export const principalOf = (ctx: Context): Principal => (ctx.state as AuthState).principal;
