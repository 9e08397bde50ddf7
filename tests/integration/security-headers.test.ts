import fc from 'fast-check';
import Koa from 'koa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterpartError, ErrorCode } from '../../protocol/index';
import { errorMiddleware } from '../../server/src/http/errors';
import { contentSecurityPolicy, securityHeaders } from '../../server/src/http/security-headers';
import { staticFiles } from '../../server/src/http/static';
import { createLogger } from '../../server/src/log';

/**
 * A tiny app in the order the real one uses (error middleware, security headers, API, static
 * files) over a temp dir holding a fake built dashboard and widget, source maps included.
 */
const INDEX_HTML = '<!doctype html><html><head><title>fake dashboard</title></head><body></body></html>';
const MAP = '{"version":3,"sources":["../src/secret-source.ts"],"mappings":""}';
let root: string;
let server: http.Server;
let base: string;
let port: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'counterpart-static-'));
  await mkdir(join(root, 'dashboard', 'assets'), { recursive: true });
  await mkdir(join(root, 'widget', 'chunks'), { recursive: true });
  await writeFile(join(root, 'dashboard', 'index.html'), INDEX_HTML);
  await writeFile(join(root, 'dashboard', 'assets', 'index.js'), 'console.log("dashboard");\n//# sourceMappingURL=index.js.map\n');
  await writeFile(join(root, 'dashboard', 'assets', 'index.js.map'), MAP);
  await writeFile(join(root, 'widget', 'widget.js'), '(()=>{})();\n');
  await writeFile(join(root, 'widget', 'app.js'), 'export const app = 1;\n');
  await writeFile(join(root, 'widget', 'app.js.map'), MAP);
  await writeFile(join(root, 'widget', 'app.js.map.br'), 'not really brotli');
  await writeFile(join(root, 'widget', 'chunks', 'c-1.js.map'), MAP);

  const app = new Koa();
  app.use(errorMiddleware(createLogger('silent')));
  app.use(securityHeaders());
  app.use(async (ctx, next) => {
    if (ctx.path === '/api/ping') ctx.body = { ok: true };
    else if (ctx.path === '/api/fail') throw new CounterpartError(ErrorCode.Forbidden, 'no');
    else await next();
  });
  app.use(staticFiles(root));
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  if (root) await rm(root, { recursive: true, force: true });
});

/** A raw request: the path goes out byte for byte (fetch would normalize `/.` and `%2E`). */
function raw(path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `a b; c d` -> { a: ['b'], c: ['d'] }; a repeated directive fails the test. */
function parseCsp(header: string | undefined): Record<string, string[]> {
  expect(header, 'Content-Security-Policy header').toBeTypeOf('string');
  const out: Record<string, string[]> = {};
  for (const part of header!.split(';').map((p) => p.trim()).filter(Boolean)) {
    const [name, ...values] = part.split(/\s+/);
    expect(out, `directive ${name} given twice`).not.toHaveProperty(name!);
    out[name!] = values;
  }
  return out;
}

const EXPECTED_CSP = (host: string) => ({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'", `ws://${host}`, `wss://${host}`],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'object-src': ["'none'"],
});

/** fetch, with the body read to the end (an unread body leaves koa-send's stream half-sent). */
async function get(url: string, init?: RequestInit): Promise<Response & { text_: string }> {
  const res = await fetch(url, init);
  return Object.assign(res, { text_: await res.text() });
}

function expectEverywhereHeaders(res: Response): void {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
}

function expectNoDocumentHeaders(res: Response): void {
  expect(res.headers.get('content-security-policy')).toBeNull();
  expect(res.headers.get('x-frame-options')).toBeNull();
}

describe('security headers on real responses', () => {
  it('the dashboard page gets nosniff, referrer policy, the CSP and X-Frame-Options', async () => {
    const res = await get(`${base}/dashboard/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text_).toBe(INDEX_HTML);
    expectEverywhereHeaders(res);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(parseCsp(res.headers.get('content-security-policy') ?? undefined)).toEqual(EXPECTED_CSP(`127.0.0.1:${port}`));
  });

  it('index.html by name and a HEAD request get the same policy', async () => {
    for (const res of [await get(`${base}/dashboard/index.html`), await get(`${base}/dashboard/`, { method: 'HEAD' })]) {
      expect(res.status).toBe(200);
      expectEverywhereHeaders(res);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(parseCsp(res.headers.get('content-security-policy') ?? undefined)).toEqual(EXPECTED_CSP(`127.0.0.1:${port}`));
    }
  });

  it("the dashboard's script gets nosniff with a JavaScript type, and no document headers", async () => {
    const res = await get(`${base}/dashboard/assets/index.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expectEverywhereHeaders(res);
    expectNoDocumentHeaders(res);
  });

  it('widget files keep working cross-origin: CORS, JavaScript type, nosniff, no frame or CSP headers', async () => {
    for (const path of ['/widget.js', '/widget/app.js']) {
      const res = await get(`${base}${path}`, { headers: { origin: 'http://127.0.0.1:4100' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(res.headers.get('content-type'), path).toMatch(/^(text|application)\/javascript/);
      expectEverywhereHeaders(res);
      expectNoDocumentHeaders(res);
    }
  });

  it('API JSON, API errors and 404s get nosniff and the referrer policy', async () => {
    const ok = await get(`${base}/api/ping`);
    expect(JSON.parse(ok.text_)).toEqual({ ok: true });
    const failed = await get(`${base}/api/fail`);
    expect(failed.status).toBe(403);
    expect(JSON.parse(failed.text_)).toEqual({ error: { code: ErrorCode.Forbidden, message: 'no' } });
    const missing = await get(`${base}/nothing-here`);
    expect(missing.status).toBe(404);
    for (const res of [ok, failed, missing]) {
      expectEverywhereHeaders(res);
      expectNoDocumentHeaders(res);
    }
  });

  it('a Host header that is not a plain host[:port] is left out of the policy', async () => {
    const res = await raw('/dashboard/', { headers: { host: "evil.test;script-src *" } });
    expect(res.status).toBe(200);
    const csp = parseCsp(res.headers['content-security-policy'] as string);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    expect(Object.keys(csp).sort()).toEqual(Object.keys(EXPECTED_CSP('x')).sort());
  });
});

describe('contentSecurityPolicy(host)', () => {
  it('never lets the host add, drop or widen a directive (any string)', () => {
    const fixed = EXPECTED_CSP('x');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.domain(), fc.ipV4().map((ip) => `${ip}:4000`), fc.ipV6().map((ip) => `[${ip}]`)), (host) => {
        const csp = parseCsp(contentSecurityPolicy(host));
        expect(Object.keys(csp).sort()).toEqual(Object.keys(fixed).sort());
        for (const [name, values] of Object.entries(fixed)) if (name !== 'connect-src') expect(csp[name]).toEqual(values);
        const connect = csp['connect-src']!;
        expect(connect[0]).toBe("'self'");
        // Either 'self' alone, or 'self' plus ws:// and wss:// of exactly this host.
        if (connect.length > 1) expect(connect).toEqual(["'self'", `ws://${host}`, `wss://${host}`]);
        else expect(connect).toEqual(["'self'"]);
      }),
      { numRuns: 500 },
    );
  });

  it('lists ws: and wss: for ordinary hosts', () => {
    for (const host of ['localhost:4000', 'counterpart.example.com', '127.0.0.1:4000', '[::1]:4000']) {
      expect(parseCsp(contentSecurityPolicy(host))['connect-src']).toEqual(["'self'", `ws://${host}`, `wss://${host}`]);
    }
  });
});

describe('source maps are never served', () => {
  it.each([
    '/widget/app.js.map',
    '/widget/chunks/c-1.js.map',
    '/dashboard/assets/index.js.map',
    '/widget/app.js%2Emap',
    '/widget/app.js%2emap',
    '/widget/app.js.map/.',
    '/widget/./app.js.map',
    '/widget/chunks/../app.js.map',
  ])('%s -> 404', async (path) => {
    const res = await raw(path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('secret-source');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('not even as a precompressed .br variant', async () => {
    const res = await raw('/widget/app.js.map', { headers: { 'accept-encoding': 'br' } });
    expect(res.status).toBe(404);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body).not.toContain('not really brotli');
  });

  it('while the files next to them are served', async () => {
    expect((await raw('/widget/app.js')).status).toBe(200);
    expect((await raw('/dashboard/assets/index.js')).status).toBe(200);
  });
});
