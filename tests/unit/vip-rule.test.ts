/**
 * The VIP rule's spelling, read the same by the server (settings, VIP_RULE) and the dashboard's
 * form: what it accepts formats back to itself, and anything else is refused — never rewritten.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatVipRule, readVipRule } from '../../protocol/index';
import { vipRuleOk } from '../../dashboard/src/admin/settings-form';

describe('the VIP rule', () => {
  it('reads meta keys and plain amounts (sorted), and refuses every other spelling', () => {
    expect(readVipRule('meta:counterpart_vip')).toEqual({ kind: 'meta', key: 'counterpart_vip' });
    expect(readVipRule('spent:2000,500.5')).toEqual({ kind: 'spent', thresholds: [500.5, 2000] });
    for (const bad of ['meta:a:b', 'meta:', 'meta:a b', 'spent:', 'spent:0', 'spent:-1', 'spent:0x10', 'spent:1e3', 'spent: 5', 'spent:5 ', 'spent:1,1', 'spent:1,,2', 'spent:1.234', 'spent:1,2,3,4,5,6,7,8,9,10', 'gold:1', 'SPENT:5', 'spent:Infinity', 'spent:NaN'])
      expect([bad, readVipRule(bad)]).toEqual([bad, null]);
  });

  it('property: any text it reads formats to a spelling that reads the same; the form agrees with the server', () => {
    const piece = fc.oneof(fc.constantFrom('meta:', 'spent:', ',', '.', '0', '1', '5', '9', ' ', ':', '-', 'x', 'e', '_'), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((p) => p.join('')), (text) => {
        const rule = readVipRule(text);
        expect(vipRuleOk(text)).toBe(readVipRule(text.trim()) !== null && text.trim().length <= 200);
        if (rule) expect(readVipRule(formatVipRule(rule))).toEqual(rule);
      }),
      { numRuns: 3000 },
    );
  });

  it('property: every rule formats to a spelling that reads back to it', () => {
    const amount = fc.integer({ min: 1, max: 99_999_999_999 }).map((c) => c / 100);
    const rule = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((key) => ({ kind: 'meta' as const, key })),
      fc.uniqueArray(amount, { minLength: 1, maxLength: 9 }).map((a) => ({ kind: 'spent' as const, thresholds: [...a].sort((x, y) => x - y) })),
    );
    fc.assert(
      fc.property(rule, (r) => {
        expect(readVipRule(formatVipRule(r))).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });
});
