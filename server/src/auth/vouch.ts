import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { CounterpartError, ErrorCode, MAX_VOUCH_SECONDS, customerVouchMessage, type CustomerVouch } from '../../../protocol/index';
import type { Site } from '../sites';
import type { NonceStore } from './nonces';

/** Clock difference tolerated between the shop's server and ours. */
const SKEW_SECONDS = 60;

/**
 * Checks a shop's signature for a signed-in customer: right HMAC over site, id, expiry and nonce;
 * not expired, not set further ahead than 10 minutes; never used before. Returns the customer id.
 */
export async function verifyVouch(site: Site, v: CustomerVouch, nonces: NonceStore, nowMs = Date.now()): Promise<number> {
  const invalid = (why: string) => new CounterpartError(ErrorCode.InvalidIdentity, `The shop’s customer signature ${why}`);
  const now = Math.floor(nowMs / 1000);
  const expected = createHmac('sha256', site.identitySecret)
    .update(customerVouchMessage({ siteKey: site.key, id: v.id, expiresAt: v.expiresAt, nonce: v.nonce }))
    .digest();
  const given = Buffer.from(v.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('does not verify');
  if (v.expiresAt <= now - SKEW_SECONDS) throw invalid('has expired');
  if (v.expiresAt > now + MAX_VOUCH_SECONDS + SKEW_SECONDS) throw invalid(`may be valid for ${MAX_VOUCH_SECONDS / 60} minutes at most`);
  const key = `v:${createHash('sha256').update(`${site.key}\n${v.nonce}`).digest('hex')}`;
  if (!(await nonces.use(key, new Date((v.expiresAt + SKEW_SECONDS) * 1000)))) throw invalid('was already used');
  return v.id;
}
