/**
 * TURN REST API credentials ("use-auth-secret" in coturn).
 *
 *   username   = "<unix expiry seconds>:<user>"
 *   credential = base64(HMAC-SHA1(secret, username))
 *
 * coturn recomputes the HMAC with its static-auth-secret and rejects the allocation (401) when
 * the HMAC is wrong or the timestamp is in the past. Nothing needs to be stored server-side.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../../protocol/index';

export interface TurnCredentials {
  username: string;
  credential: string;
  expiresAt: Date;
}

export function mintTurnCredentials(opts: {
  secret: string;
  user: string;
  ttlSeconds: number;
  now?: number /* ms */;
}): TurnCredentials {
  if (!opts.secret) throw new Error('mintTurnCredentials: empty secret');
  if (!Number.isFinite(opts.ttlSeconds)) throw new Error('mintTurnCredentials: ttlSeconds must be finite');
  const now = opts.now ?? Date.now();
  const expiry = Math.floor(now / 1000) + Math.floor(opts.ttlSeconds);
  // ':' separates the timestamp from the user in coturn's parser; keep the user free of it.
  const user = opts.user.replace(/:/g, '_');
  const username = `${expiry}:${user}`;
  const credential = createHmac('sha1', opts.secret).update(username).digest('base64');
  return { username, credential, expiresAt: new Date(expiry * 1000) };
}

export function iceServersFor(opts: {
  turnUrls: string[];
  stunUrls: string[];
  secret: string | null;
  ttlSeconds: number;
  user: string;
  now?: number;
}): IceServer[] {
  // One entry for all STUN urls, one for all TURN urls (they share the minted credentials).
  const servers: IceServer[] = [];
  const stun = opts.stunUrls.filter((u) => u.trim() !== '');
  const turn = opts.turnUrls.filter((u) => u.trim() !== '');
  if (stun.length > 0) servers.push({ urls: stun });
  if (opts.secret && turn.length > 0) {
    const { username, credential } = mintTurnCredentials({
      secret: opts.secret,
      user: opts.user,
      ttlSeconds: opts.ttlSeconds,
      now: opts.now,
    });
    servers.push({ urls: turn, username, credential });
  }
  return servers;
}
