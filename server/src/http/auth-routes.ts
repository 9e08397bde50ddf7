import type Router from '@koa/router';
import { CounterpartError, ErrorCode, LoginRequest, RefreshRequest, Role } from '../../../protocol/index';
import { NO_PASSWORD, verifyPassword } from '../auth/passwords';
import type { ApiDeps } from './api';
import { principalOf, requireAuth, tokenExpiryOf } from './auth';
import { LoginLockout, RequestBudget, addressKey } from './limits';

/** A fixed cost for unknown emails too, so timing does not reveal which accounts exist. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

type UserRow = { id: number; name: string; email: string; role: string; password_hash: string; active: boolean | number };

/** Sign-in, refresh (rotating), sign-out, and realtime tickets. */
export function authRoutes(r: Router, { config, db, sessions, tickets, cors }: ApiDeps): void {
  const byAddress = new RequestBudget({ points: config.rateLimits.loginPerMinute, perSeconds: 60 }, 'sign-in attempts from your address');
  const lockout = new LoginLockout();
  // Refreshes are routine (every few minutes per signed-in person), so a wider budget than sign-ins.
  const refreshes = new RequestBudget({ points: config.rateLimits.loginPerMinute * 3, perSeconds: 60 }, 'session refreshes from your address');
  const ticketsPerOwner = new RequestBudget({ points: 30, perSeconds: 60 }, 'connection tickets');

  r.post('/auth/login', byAddress.middleware((ctx) => addressKey(ctx.ip)), async (ctx) => {
    const { email, password } = LoginRequest.parse(ctx.request.body);
    const net = addressKey(ctx.ip);
    await lockout.check(ctx, email, net);
    const user = await db('users').where({ email }).first<UserRow | undefined>();
    // An invited account (no password yet) costs the same as any other: nothing tells it apart.
    const hash = user && user.password_hash !== NO_PASSWORD ? user.password_hash : DUMMY_HASH;
    const ok = (await verifyPassword(password, hash, net)) && hash !== DUMMY_HASH;
    // A deactivated account is refused like a wrong password.
    if (!user || !ok || !user.active) {
      await lockout.failed(email, net);
      throw new CounterpartError(ErrorCode.InvalidCredentials, 'Wrong email or password');
    }
    await lockout.succeeded(email, net);
    ctx.body = await sessions.create(user);
  });

  /** Trades the refresh token for a new pair; the old refresh token is spent. */
  r.post('/auth/refresh', refreshes.middleware((ctx) => addressKey(ctx.ip)), async (ctx) => {
    const { refreshToken } = RefreshRequest.parse(ctx.request.body);
    ctx.body = await sessions.refresh(refreshToken);
  });

  /** Ends the session: its tokens, refresh token and sockets stop working at once. */
  r.post('/auth/logout', requireAuth(sessions, Role.Agent, Role.Supervisor, Role.Admin), async (ctx) => {
    const p = principalOf(ctx);
    if (p.role !== Role.Shopper) await sessions.revoke(p.sessionId, 'signed_out');
    ctx.status = 204;
  });

  r.options('/realtime/ticket', cors);
  r.post('/realtime/ticket', cors, requireAuth(sessions), async (ctx) => {
    const p = principalOf(ctx);
    await ticketsPerOwner.take(ctx, p.role === Role.Shopper ? `s:${p.shopperId}` : `u:${p.userId}`);
    ctx.body = await tickets.issue(p, tokenExpiryOf(ctx));
  });
}
