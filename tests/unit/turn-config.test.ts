import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SHIPPED_CONFIG, deniedPeerIps } from '../../turn/launch';

/**
 * The shipped coturn config (turn/turnserver.conf) must refuse to relay to private networks:
 * a TURN relay that reaches them is an SSRF hole into the TURN host's network.
 * (tests/integration/turn-peers.test.ts checks the same policy against a running coturn.)
 */
const text = readFileSync(SHIPPED_CONFIG, 'utf8');
/** Active directives: `name` or `name=value`, comments and blank lines dropped. */
const directives = text
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const eq = l.indexOf('=');
    return eq < 0 ? { name: l, value: '' } : { name: l.slice(0, eq).trim(), value: l.slice(eq + 1).trim() };
  });

type Family = 4 | 6;
type Range = { family: Family; lo: bigint; hi: bigint; text: string };

function toBig(ip: string): { family: Family; n: bigint } {
  if (isIPv4(ip)) return { family: 4, n: ip.split('.').reduce((n, o) => (n << 8n) | BigInt(o), 0n) };
  if (!isIPv6(ip)) throw new Error(`"${ip}" in turnserver.conf is not an IP address`);
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = toBig(v4[1]!).n;
    s = `${s.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return { family: 6, n: groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

function parseRange(value: string): Range {
  const [a, b = a] = value.split('-');
  const lo = toBig(a!);
  const hi = toBig(b!);
  expect(hi.family, `${value}: both ends in one family`).toBe(lo.family);
  expect(lo.n <= hi.n, `${value}: start <= end`).toBe(true);
  return { family: lo.family, lo: lo.n, hi: hi.n, text: value };
}

function cidr(c: string): Range {
  const [ip, bits] = c.split('/');
  const { family, n } = toBig(ip!);
  const size = BigInt(family === 4 ? 32 : 128) - BigInt(bits ?? (family === 4 ? 32 : 128));
  const lo = (n >> size) << size;
  return { family, lo, hi: lo + (1n << size) - 1n, text: c };
}

const denied = deniedPeerIps(text).map(parseRange);
const isDenied = (family: Family, n: bigint) => denied.some((r) => r.family === family && r.lo <= n && n <= r.hi);

/** Is all of `target` inside the union of the denied ranges? */
function covered(target: Range): boolean {
  const ranges = denied.filter((r) => r.family === target.family).sort((x, y) => (x.lo < y.lo ? -1 : x.lo > y.lo ? 1 : 0));
  let next = target.lo; // first address not yet known to be denied
  for (const r of ranges) {
    if (r.lo > next) break;
    if (r.hi >= next) next = r.hi + 1n;
    if (next > target.hi) return true;
  }
  return next > target.hi;
}

// What the brief for this file requires, then the other non-public ranges the file denies.
const MUST_DENY = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '::1/128', 'fc00::/7', 'fe80::/10'];
const ALSO_DENIED = ['0.0.0.0/8', '192.0.0.0/24', '198.18.0.0/15', '240.0.0.0/4', '::ffff:0.0.0.0/96', '64:ff9b::/96', '2002::/16', '2001::/32'];

describe('turn/turnserver.conf peer policy', () => {
  it('reads the same denied-peer-ip lines as turn/launch.ts does', () => {
    expect(directives.filter((d) => d.name === 'denied-peer-ip').map((d) => d.value)).toEqual(denied.map((r) => r.text));
    expect(denied.length).toBeGreaterThanOrEqual(MUST_DENY.length);
  });

  it.each(MUST_DENY)('denies all of %s', (c) => {
    expect(covered(cidr(c)), `${c} is not (fully) covered by: ${denied.map((r) => r.text).join(', ')}`).toBe(true);
  });

  it.each(ALSO_DENIED)('denies all of %s', (c) => {
    expect(covered(cidr(c))).toBe(true);
  });

  it('denies the cloud metadata address', () => {
    expect(isDenied(4, toBig('169.254.169.254').n)).toBe(true);
  });

  it('opens nothing: no allowed-peer-ip, no allow-loopback-peers (those are for tests only)', () => {
    const names = directives.map((d) => d.name);
    expect(names).not.toContain('allowed-peer-ip');
    expect(names).not.toContain('allow-loopback-peers');
    expect(names).toContain('no-multicast-peers');
  });

  it('has no range starting at "::" (coturn 4.6 then denies every IPv4 peer)', () => {
    expect(denied.filter((r) => r.family === 6 && r.lo === 0n).map((r) => r.text)).toEqual([]);
  });

  it('any address inside a must-deny range is denied; public addresses are not', () => {
    const all = [...MUST_DENY, ...ALSO_DENIED].map(cidr);
    const inside = fc.constantFrom(...all).chain((r) => fc.bigInt(r.lo, r.hi).map((n) => ({ family: r.family, n })));
    fc.assert(fc.property(inside, ({ family, n }) => isDenied(family, n)), { numRuns: 5000 });
    // Outside every range we mean to deny, nothing is denied: the list does not overreach.
    const known = (family: Family, n: bigint) => all.some((r) => r.family === family && r.lo <= n && n <= r.hi);
    const anyV4 = fc.bigInt(0n, (1n << 32n) - 1n).map((n) => ({ family: 4 as const, n }));
    const anyV6 = fc.bigInt(0n, (1n << 128n) - 1n).map((n) => ({ family: 6 as const, n }));
    const publicV6 = fc.bigInt(0x2000n << 112n, (0x4000n << 112n) - 1n).map((n) => ({ family: 6 as const, n })); // 2000::/3
    fc.assert(fc.property(fc.oneof(anyV4, anyV6, publicV6), ({ family, n }) => known(family, n) || !isDenied(family, n)), { numRuns: 5000 });
  });

  it("agrees with Node's BlockList on IPv4 addresses (a check of this test's own parser)", () => {
    const list = new BlockList();
    for (const r of deniedPeerIps(text)) {
      const [a, b = a] = r.split('-');
      if (isIPv4(a!)) list.addRange(a!, b!, 'ipv4');
    }
    const v4 = fc.ipV4();
    fc.assert(fc.property(v4, (ip) => list.check(ip, 'ipv4') === isDenied(4, toBig(ip).n)), { numRuns: 5000 });
  });
});
