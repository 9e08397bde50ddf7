import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { CounterpartError, ErrorCode } from '../../../protocol/index';

/**
 * scrypt runs on libuv's thread pool (4 threads), the same pool SQLite's queries use. Hashing one
 * at a time keeps the other threads for the database whatever the sign-in traffic; past a short
 * queue, sign-ins are refused as busy rather than queued without bound.
 */
const HASHING = { concurrent: 1, queued: 32, queuedPerNetwork: 4 };
let running = 0;
const waiting: (() => void)[] = [];
/** Places in the queue per network: one network cannot take every place and block all sign-ins. */
const queuedBy = new Map<string, number>();

async function withHashSlot<T>(fn: () => Promise<T>, net: string): Promise<T> {
  if (running >= HASHING.concurrent) {
    const mine = queuedBy.get(net) ?? 0;
    if (waiting.length >= HASHING.queued || mine >= HASHING.queuedPerNetwork)
      throw new CounterpartError(ErrorCode.Unavailable, 'Sign-in is busy; try again in a few seconds');
    queuedBy.set(net, mine + 1);
    try {
      await new Promise<void>((resolve) => waiting.push(resolve));
    } finally {
      const n = (queuedBy.get(net) ?? 1) - 1;
      if (n > 0) queuedBy.set(net, n);
      else queuedBy.delete(net);
    }
  } else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions, net = 'local') =>
  withHashSlot(
    () => new Promise<Buffer>((resolve, reject) => scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key)))),
    net,
  );

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEYLEN = 32;

/** `scrypt$N$r$p$salt$hash`, base64 parts. */
/** The password hash of an invited account (no password set yet): nothing verifies against it. */
export const NO_PASSWORD = '!invited';

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** `net`: the requester's network (address budget key), for its share of the hashing queue. */
export async function verifyPassword(password: string, stored: string, net?: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) }, net);
  return timingSafeEqual(key, expected);
}
