import type { Context, Next } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { CounterpartError, ErrorCode } from '../../../protocol/index';

/**
 * Request budgets (rate-limiter-flexible: expired keys are evicted, and the same limiters have
 * Redis/PostgreSQL stores for the clustered mode). Keys are client addresses as Koa reports them:
 * with TRUST_PROXY set, the address the trusted proxy names in X-Forwarded-For.
 */

/** An IPv4 address as is; an IPv6 address by its /64 (one subscriber's whole prefix). */
export function addressKey(ip: string): string {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (!v4.includes(':')) return v4;
  const [head = ''] = v4.split('::');
  const groups = v4.includes('::') ? head.split(':').filter(Boolean) : v4.split(':');
  return `${[...groups, '0', '0', '0', '0'].slice(0, 4).join(':')}::/64`;
}

export type Budget = { points: number; perSeconds: number };

/** A budget of requests per key; `take` throws `rate_limited` (429, Retry-After) once it is spent. */
export class RequestBudget {
  private readonly limiter: RateLimiterMemory;

  constructor(
    b: Budget,
    private readonly what: string,
  ) {
    this.limiter = new RateLimiterMemory({ points: b.points, duration: b.perSeconds });
  }

  async take(ctx: Pick<Context, 'set'> | null, key: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const secs = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      ctx?.set('Retry-After', String(secs));
      throw new CounterpartError(ErrorCode.RateLimited, `Too many ${this.what}; try again in ${secs} s`);
    }
  }

  /** Koa middleware spending one point per request, keyed by `key(ctx)`. */
  middleware(key: (ctx: Context) => string) {
    return async (ctx: Context, next: Next) => {
      await this.take(ctx, key(ctx));
      await next();
    };
  }
}

const LOCK = { failures: 5, windowSeconds: 15 * 60, firstLockSeconds: 60, maxLockSeconds: 15 * 60 };

/**
 * Per-account sign-in lockout with backoff: after 5 failures within 15 minutes the account is
 * locked for 1 minute, then 2, 4, 8… up to 15 minutes while failures go on. Counted per account,
 * so guesses spread over many addresses are limited too. A success clears the count.
 */
export class LoginLockout {
  private readonly failures = new RateLimiterMemory({ points: LOCK.failures, duration: LOCK.windowSeconds });
  private readonly locks = new RateLimiterMemory({ points: 1_000_000, duration: 24 * 3600 });

  async check(ctx: Pick<Context, 'set'>, account: string): Promise<void> {
    const res = await this.failures.get(account);
    if (res && res.consumedPoints > LOCK.failures) {
      const secs = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      ctx.set('Retry-After', String(secs));
      throw new CounterpartError(ErrorCode.AccountLocked, `Too many failed sign-ins for this account; try again in ${secs} s`);
    }
  }

  async failed(account: string): Promise<void> {
    try {
      await this.failures.consume(account);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const n = (await this.locks.consume(account)).consumedPoints;
      await this.failures.block(account, Math.min(LOCK.firstLockSeconds * 2 ** (n - 1), LOCK.maxLockSeconds));
    }
  }

  async succeeded(account: string): Promise<void> {
    await this.failures.delete(account);
  }
}
