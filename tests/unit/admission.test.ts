/**
 * Queue admission, as a property: whatever requests arrive and leave in whatever order, no
 * shopper holds two calls, no site holds more than its cap waiting, and no network more than its
 * share — and a request that breaks none of these is admitted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CounterpartError, ErrorCode } from '../../protocol/index';
import { admitRequest, networkShare } from '../../server/src/calls/admission';
import type { ActiveCall } from '../../server/src/calls/live-call';

type Step = { kind: 'request'; owner: number; site: number; net: number } | { kind: 'leave'; index: number } | { kind: 'answer'; index: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('request' as const), owner: fc.nat(30), site: fc.nat(2), net: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), index: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('answer' as const), index: fc.nat(50) }) },
);

describe('admitRequest', () => {
  it('keeps one call per shopper, the site cap and the network share, and admits whatever fits', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), fc.integer({ min: 1, max: 40 }), (steps, maxPerSite) => {
        const q = { maxPerSite, maxWaitMs: 1000 };
        const calls: ActiveCall[] = [];
        for (const s of steps) {
          if (s.kind === 'leave') calls.splice(s.index % Math.max(1, calls.length), 1);
          else if (s.kind === 'answer') {
            const c = calls[s.index % Math.max(1, calls.length)];
            if (c) c.answeredAt = 'now';
          } else {
            const owner = `shopper:${s.owner}`;
            const waiting = calls.filter((c) => c.siteId === s.site && !c.answeredAt);
            const fits =
              !calls.some((c) => c.shopperOwner === owner) &&
              waiting.length < maxPerSite &&
              waiting.filter((c) => c.net === `n${s.net}`).length < networkShare(q);
            let admitted = true;
            try {
              admitRequest(calls, { owner, siteId: s.site, net: `n${s.net}`, pending: false }, q);
            } catch (err) {
              admitted = false;
              expect(err).toBeInstanceOf(CounterpartError);
              expect([ErrorCode.CallAlreadyRequested, ErrorCode.QueueFull]).toContain((err as CounterpartError).code);
            }
            expect(admitted).toBe(fits);
            if (admitted) calls.push({ shopperOwner: owner, siteId: s.site, net: `n${s.net}`, answeredAt: null } as ActiveCall);
          }
          for (const site of [0, 1, 2]) {
            const waiting = calls.filter((c) => c.siteId === site && !c.answeredAt);
            expect(waiting.length).toBeLessThanOrEqual(maxPerSite);
            for (const net of [0, 1, 2, 3, 4]) expect(waiting.filter((c) => c.net === `n${net}`).length).toBeLessThanOrEqual(networkShare(q));
          }
          expect(new Set(calls.map((c) => c.shopperOwner)).size).toBe(calls.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a request while the same shopper has one being created', () => {
    expect(() => admitRequest([], { owner: 'shopper:a', siteId: 1, net: 'n', pending: true }, { maxPerSite: 10, maxWaitMs: 1 })).toThrow('You already have a call');
  });
});
