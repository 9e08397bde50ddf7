/** Rate-limit keys: one per IPv4 address, one per IPv6 /64, whatever the spelling. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressKey } from '../../server/src/http/limits';

const group = fc.integer({ min: 0, max: 0xffff });

/** An IPv6 address written out, and the same address with one run of zero groups compressed to `::`. */
const spellings = fc
  .tuple(fc.array(group, { minLength: 8, maxLength: 8 }), fc.nat(7), fc.nat(8), fc.boolean())
  .map(([gs, start, len, upper]) => {
    const from = start;
    const to = Math.min(8, start + Math.max(1, len));
    const zeroed = gs.map((g, i) => (i >= from && i < to ? 0 : g));
    const hex = zeroed.map((g) => g.toString(16));
    const full = hex.join(':');
    const compressed = `${hex.slice(0, from).join(':')}::${hex.slice(to).join(':')}`;
    const c = upper ? compressed.toUpperCase() : compressed;
    return { zeroed, full, compressed: c };
  });

describe('addressKey', () => {
  it('gives every spelling of an IPv6 address the key of its /64', () => {
    fc.assert(
      fc.property(spellings, ({ zeroed, full, compressed }) => {
        const expected = `${zeroed.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
        expect(addressKey(full)).toBe(expected);
        expect(addressKey(compressed)).toBe(expected);
        expect(addressKey(`${compressed}%eth0`)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the second half of a /64 out of the key, and the first half in it', () => {
    expect(addressKey('2001:db8::a:1:2:3:4')).toBe('2001:db8:0:a::/64');
    expect(addressKey('2001:db8:0:a:1:2:3:4')).toBe('2001:db8:0:a::/64');
    expect(addressKey('2001:db8:0:a::9')).toBe('2001:db8:0:a::/64');
    expect(addressKey('2001::5:1:2:3:4')).toBe('2001:0:0:5::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('64:ff9b::1.2.3.4')).toBe('64:ff9b:0:0::/64');
  });

  it('IPv4 and IPv4-mapped IPv6 are the same address; junk is its own key', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(addressKey(ip)).toBe(ip);
        expect(addressKey(`::ffff:${ip}`)).toBe(ip);
        expect(addressKey(`::FFFF:${ip}`)).toBe(ip);
      }),
    );
    expect(addressKey('not an ip')).toBe('other:not an ip');
  });
});
