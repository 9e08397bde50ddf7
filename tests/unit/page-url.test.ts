import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PAGE_URL_LENGTH, sanitizePageUrl } from '../../server/src/conversations/page-url';

const webUrls = fc.webUrl({
  validSchemes: ['http', 'https'],
  withQueryParameters: true,
  withFragments: true,
  authoritySettings: { withUserInfo: true, withPort: true, withIPv4: true, withIPv6: true, withIPv4Extended: true },
});

/** Same URL with HTTP(S) spelled in any case, as a browser would accept it. */
const anyCaseScheme = (url: string, upper: boolean[]): string => {
  const end = url.indexOf(':');
  return [...url.slice(0, end)].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('') + url.slice(end);
};

function expectSanitized(input: string, out: string | null): void {
  const parsed = new URL(input);
  const expected = parsed.origin + parsed.pathname;
  expect(out, input).not.toBeNull();
  const result = out!;
  expect(result).toMatch(/^https?:\/\//);
  expect(result).not.toContain('?');
  expect(result).not.toContain('#');
  expect(result.length).toBeLessThanOrEqual(MAX_PAGE_URL_LENGTH);
  const back = new URL(result);
  expect(back.username).toBe('');
  expect(back.password).toBe('');
  expect(back.origin).toBe(parsed.origin);
  if (expected.length <= MAX_PAGE_URL_LENGTH) expect(result).toBe(expected);
  else {
    // Capped: a prefix of origin + path, shortened at most by a cut percent-escape (2 chars).
    expect(expected.startsWith(result)).toBe(true);
    expect(result.length).toBeGreaterThanOrEqual(MAX_PAGE_URL_LENGTH - 2);
  }
  // Idempotent: the kept URL is already clean.
  expect(sanitizePageUrl(result)).toBe(result);
}

describe('sanitizePageUrl', () => {
  it('keeps exactly origin + path of any http(s) URL with userinfo, port, query and fragment', () => {
    fc.assert(
      fc.property(webUrls, fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), (url, upper) => {
        const input = anyCaseScheme(url, upper);
        expectSanitized(input, sanitizePageUrl(input));
      }),
      { numRuns: 2000 },
    );
  });

  it('caps long paths at 2048 characters without leaving half a percent-escape', () => {
    fc.assert(
      fc.property(
        webUrls,
        fc.array(fc.constantFrom('a', 'é', '%41', '/', '~', '😀'), { minLength: 1, maxLength: 3000 }),
        (url, parts) => {
          const u = new URL(url);
          u.pathname = `/${parts.join('')}`;
          const input = u.href;
          const out = sanitizePageUrl(input);
          expectSanitized(input, out);
          expect(out).not.toMatch(/%[0-9a-f]?$/i);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns null for anything that does not start with http:// or https://', () => {
    const scheme = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9+.-]{0,12}$/).filter((x) => !/^https?$/i.test(x));
    const notHttp = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      // A real http(s) URL behind another scheme: `javascript:` + `//shop/...`, `httpx://shop/...`
      fc.tuple(scheme, webUrls).map(([sch, url]) => `${sch}:${url.slice(url.indexOf(':') + 1)}`),
      // ... or behind blanks and control characters, which the URL parser would quietly strip.
      fc.tuple(fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u0000', '\u001f'), minLength: 1, maxLength: 3 }), webUrls).map(([pad, url]) => pad + url),
      // ... or missing a slash: `https:/shop`, `https:shop`.
      fc.tuple(fc.constantFrom('http:', 'https:', 'http:/', 'https:/', 'https:\\'), fc.domain()).map(([p, d]) => p + d),
    ).filter((x) => !/^https?:\/\//i.test(x));
    fc.assert(fc.property(notHttp, (s) => {
      expect(sanitizePageUrl(s)).toBeNull();
    }), { numRuns: 5000 });
    // URLs of other schemes, well formed, with the same authority and path shapes.
    const otherSchemes = fc.webUrl({ validSchemes: ['ftp', 'ws', 'wss', 'file', 'blob', 'chrome-extension', 'httpx'] });
    fc.assert(fc.property(otherSchemes, (s) => {
      expect(sanitizePageUrl(s)).toBeNull();
    }), { numRuns: 1000 });
  });

  it('drops query, fragment and credentials (explicit cases)', () => {
    expect(sanitizePageUrl('https://shop/x?order_key=abc&email=a@b.c#frag')).toBe('https://shop/x');
    expect(sanitizePageUrl('https://user:pa55@shop.example.com:8443/checkout/order-received/42/?key=wc_order_x')).toBe(
      'https://shop.example.com:8443/checkout/order-received/42/',
    );
    expect(sanitizePageUrl('HTTP://Shop.Example.COM:80/Product/Oak?utm=1')).toBe('http://shop.example.com/Product/Oak');
    expect(sanitizePageUrl('http://127.0.0.1:4100')).toBe('http://127.0.0.1:4100/');
    expect(sanitizePageUrl('https://shop.example.com/a b')).toBeNull(); // a raw blank: location.href never has one
  });

  it('refuses other schemes and tricks (explicit cases)', () => {
    for (const bad of [
      'javascript:alert(1)',
      'JavaScript://%0aalert(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'blob:https://shop.example.com/0f8c',
      'about:blank',
      'chrome-extension://abc/console.html',
      'ftp://shop.example.com/x',
      ' https://shop.example.com/', // leading blank, which the URL parser would trim
      'ht\ttps://shop.example.com/', // tab, which the URL parser would drop
      'https://shop.example.com/\nx',
      'https:shop.example.com/x',
      'https://',
      'http://[::1/',
      '',
      '/relative/path',
    ]) {
      expect(sanitizePageUrl(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('refuses a host name so long that origin alone passes the cap', () => {
    const host = `${'a'.repeat(60)}.`.repeat(40) + 'example';
    expect(`https://${host}`.length).toBeGreaterThan(MAX_PAGE_URL_LENGTH);
    expect(sanitizePageUrl(`https://${host}/x`)).toBeNull();
  });
});
