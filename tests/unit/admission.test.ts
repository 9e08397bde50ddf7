/**
 * Queue admission, as a property: whatever conversations start, get offered, get answered and end
 * in whatever order, no shopper holds two live conversations, no site holds more than its cap
 * waiting (queued or offered), and no network more than its share — and a start that breaks none
 * of these is admitted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConversationState, CounterpartError, ErrorCode } from '../../protocol/index';
import { admitRequest, networkShare } from '../../server/src/conversations/admission';
import type { Conversation } from '../../server/src/conversations/model';

type Live = Pick<Conversation, 'shopperId' | 'siteId' | 'net' | 'state'>;
type Step =
  | { kind: 'start'; shopper: number; site: number; net: number }
  | { kind: 'end'; index: number }
  | { kind: 'offer'; index: number }
  | { kind: 'answer'; index: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('start' as const), shopper: fc.nat(30), site: fc.nat(2), net: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('end' as const), index: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('offer' as const), index: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('answer' as const), index: fc.nat(50) }) },
);

const waitingIn = (live: Live[], site: number) =>
  live.filter((c) => c.siteId === site && (c.state === ConversationState.Queued || c.state === ConversationState.Offered));

describe('admitRequest', () => {
  it('keeps one live conversation per shopper, the site cap and the network share, and admits whatever fits', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), fc.integer({ min: 1, max: 40 }), (steps, maxPerSite) => {
        const q = { maxPerSite, maxWaitMs: 1000 };
        const live: Live[] = [];
        for (const s of steps) {
          const at = (i: number) => live[i % Math.max(1, live.length)];
          if (s.kind === 'end') live.splice(s.index % Math.max(1, live.length), 1);
          else if (s.kind === 'offer') {
            const c = at(s.index);
            if (c?.state === ConversationState.Queued) c.state = ConversationState.Offered;
          } else if (s.kind === 'answer') {
            const c = at(s.index);
            if (c?.state === ConversationState.Offered) c.state = ConversationState.Active;
          } else {
            const shopperId = `shopper-${s.shopper}`;
            const waiting = waitingIn(live, s.site);
            const fits =
              !live.some((c) => c.shopperId === shopperId) &&
              waiting.length < maxPerSite &&
              waiting.filter((c) => c.net === `n${s.net}`).length < networkShare(q);
            let admitted = true;
            try {
              admitRequest(live, { shopperId, siteId: s.site, net: `n${s.net}`, pending: false }, q);
            } catch (err) {
              admitted = false;
              expect(err).toBeInstanceOf(CounterpartError);
              expect([ErrorCode.AlreadyInConversation, ErrorCode.QueueFull]).toContain((err as CounterpartError).code);
            }
            expect(admitted).toBe(fits);
            if (admitted) live.push({ shopperId, siteId: s.site, net: `n${s.net}`, state: ConversationState.Queued });
          }
          for (const site of [0, 1, 2]) {
            const waiting = waitingIn(live, site);
            expect(waiting.length).toBeLessThanOrEqual(maxPerSite);
            for (const net of [0, 1, 2, 3, 4]) expect(waiting.filter((c) => c.net === `n${net}`).length).toBeLessThanOrEqual(networkShare(q));
          }
          expect(new Set(live.map((c) => c.shopperId)).size).toBe(live.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a start while the same shopper has one being created', () => {
    let refusal: unknown = null;
    try {
      admitRequest([], { shopperId: 'a', siteId: 1, net: 'n', pending: true }, { maxPerSite: 10, maxWaitMs: 1 });
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(CounterpartError);
    expect((refusal as CounterpartError).code).toBe(ErrorCode.AlreadyInConversation);
  });

  it('counts only waiting conversations against the cap: answered ones leave room', () => {
    const q = { maxPerSite: 2, maxWaitMs: 1 };
    const live: Live[] = [
      { shopperId: 'a', siteId: 1, net: 'x', state: ConversationState.Active },
      { shopperId: 'b', siteId: 1, net: 'y', state: ConversationState.Offered },
    ];
    expect(() => admitRequest(live, { shopperId: 'c', siteId: 1, net: 'z', pending: false }, q)).not.toThrow();
    live.push({ shopperId: 'c', siteId: 1, net: 'z', state: ConversationState.Queued });
    expect(() => admitRequest(live, { shopperId: 'd', siteId: 1, net: 'w', pending: false }, q)).toThrow(CounterpartError);
    // Another site's queue is its own.
    expect(() => admitRequest(live, { shopperId: 'd', siteId: 2, net: 'w', pending: false }, q)).not.toThrow();
    // An answered shopper still has a conversation going.
    expect(() => admitRequest(live, { shopperId: 'a', siteId: 2, net: 'w', pending: false }, q)).toThrow('You already have a conversation going');
  });
});
