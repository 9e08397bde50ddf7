import { isIPv4, isIPv6 } from 'node:net';
import type { Context, Next } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { CounterpartError, ErrorCode } from '../../../protocol/index';

/**
 * Request budgets (rate-limiter-flexible: expired keys are evicted, and the same limiters have
 * Redis/PostgreSQL stores for the clustered mode). Keys are client addresses as Koa reports them:
 * with TRUST_PROXY set, the address the trusted proxy names in X-Forwarded-For.
 */

/**
 * The key a client address is budgeted by: an IPv4 address as is, an IPv6 address by its /64
 * (one subscriber's whole prefix), in one canonical spelling whatever the input's case,
 * compression, zone or IPv4-mapped form. Anything else (not an IP) is its own key.
 */
export function addressKey(ip: string): string {
  const bare = ip.trim().toLowerCase().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1]!;
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return `other:${bare.slice(0, 64)}`;
  const [head = '', tail] = bare.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  // An embedded IPv4 tail counts as two groups; only the first four groups matter here.
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const missing = 8 - h.length - t.length - ([...h, ...t].some((g) => g.includes('.')) ? 1 : 0);
  const full = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, missing)).fill('0'), ...t];
  return `${full.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::/64`;
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
/** Guessing spread over many networks: this many failures an hour lock the account everywhere. */
const ACCOUNT_LOCK = { failures: 50, windowSeconds: 3600, lockSeconds: 15 * 60 };

/**
 * Sign-in lockout with backoff, per account *and network*: after more than 5 failures within
 * 15 minutes from one network (an address, an IPv6 /64) the account is locked there for 1 minute,
 * then 2, 4, 8… up to 15 while failures go on — so a stranger cannot lock an agent out of the
 * office. Guesses spread over many networks meet a second limit: more than 50 failures an hour lock
 * the account everywhere for 15 minutes. A success clears the network's count.
 */
export class LoginLockout {
  private readonly failures = new RateLimiterMemory({ points: LOCK.failures, duration: LOCK.windowSeconds });
  private readonly locks = new RateLimiterMemory({ points: 1_000_000, duration: 24 * 3600 });
  private readonly accountWide = new RateLimiterMemory({ points: ACCOUNT_LOCK.failures, duration: ACCOUNT_LOCK.windowSeconds, blockDuration: ACCOUNT_LOCK.lockSeconds });

  async check(ctx: Pick<Context, 'set'>, account: string, net: string): Promise<void> {
    for (const [res, points] of [
      [await this.failures.get(`${account}|${net}`), LOCK.failures],
      [await this.accountWide.get(account), ACCOUNT_LOCK.failures],
    ] as const) {
      if (res && res.consumedPoints > points) {
        const secs = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        ctx.set('Retry-After', String(secs));
        throw new CounterpartError(ErrorCode.AccountLocked, `Too many failed sign-ins for this account; try again in ${secs} s`);
      }
    }
  }

  async failed(account: string, net: string): Promise<void> {
    const key = `${account}|${net}`;
    await this.accountWide.consume(account).catch((res: unknown) => {
      if (!(res instanceof RateLimiterRes)) throw res;
    });
    try {
      await this.failures.consume(key);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const n = (await this.locks.consume(key)).consumedPoints;
      await this.failures.block(key, Math.min(LOCK.firstLockSeconds * 2 ** (n - 1), LOCK.maxLockSeconds));
    }
  }

  async succeeded(account: string, net: string): Promise<void> {
    await this.failures.delete(`${account}|${net}`);
  }
}
