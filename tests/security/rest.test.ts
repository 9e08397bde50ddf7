/**
 * Every REST endpoint, sent hostile input generated from the protocol's zod schemas (fast-check):
 * malformed, wrong-type, oversize, invalid UTF-8, unauthenticated, expired and replayed. Each
 * answer must be a clear refusal (4xx with an error body) or a success — never a 5xx — and the
 * server process must still answer health with its RSS under the bound afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { LoginRequest, LoginResponse, RefreshRequest, ShopperSessionRequest, ShopperSessionResponse, UPLOAD_TYPES } from '../../protocol/index';
import { DEMO, SITE, signCustomer } from '../helpers/server';
import { hostileOf } from '../helpers/arbitrary';
import type { ServerProcess } from '../helpers/process';
import { expectClearRefusal, expectHealthy, forge, raw, startProcess } from './support';

let srv: ServerProcess & { cleanup(): Promise<void> };
let agent: LoginResponse;
let supervisor: LoginResponse;
let shopper: ShopperSessionResponse;
/** Bearer headers to try on every authenticated route. */
let auths: { name: string; header: string | null }[];

async function json<T>(schema: z.ZodType<T>, url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const r = await raw(url, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.body}`);
  return schema.parse(JSON.parse(r.body));
}

beforeAll(async () => {
  srv = await startProcess();
  agent = await json(LoginResponse, `${srv.url}/api/auth/login`, DEMO.alice);
  supervisor = await json(LoginResponse, `${srv.url}/api/auth/login`, DEMO.sam);
  shopper = await json(ShopperSessionResponse, `${srv.url}/api/shopper/session`, { siteKey: SITE.key }, { origin: SITE.origin });
  auths = [
    { name: 'none', header: null },
    { name: 'agent', header: `Bearer ${agent.token}` },
    { name: 'supervisor', header: `Bearer ${supervisor.token}` },
    { name: 'shopper', header: `Bearer ${shopper.token}` },
    { name: 'garbage', header: 'Bearer not.a.jwt' },
    { name: 'huge', header: `Bearer ${'a'.repeat(8000)}` },
    { name: 'basic', header: 'Basic YWxpY2U6YWxpY2U=' },
    { name: 'expired staff', header: `Bearer ${await forge(srv, 'staff', String(agent.user.id), { role: 'agent', name: 'x', sid: '0'.repeat(32) }, -60)}` },
    { name: 'staff of an unknown session', header: `Bearer ${await forge(srv, 'staff', String(agent.user.id), { role: 'agent', name: 'x', sid: 'f'.repeat(32) }, 600)}` },
    { name: 'ticket used as bearer', header: `Bearer ${shopper.ticket.ticket}` },
  ];
});

afterAll(async () => {
  await srv?.cleanup();
});

const RUNS = 60;

type Route = { method: 'GET' | 'POST'; path: string; schema?: z.ZodType; ok: number[]; refused: number[]; origin?: boolean };

const ROUTES: Route[] = [
  { method: 'POST', path: '/api/auth/login', schema: LoginRequest, ok: [200], refused: [400, 401, 413, 415, 429] },
  { method: 'POST', path: '/api/auth/refresh', schema: RefreshRequest, ok: [200], refused: [400, 401, 413, 415, 429] },
  { method: 'POST', path: '/api/shopper/session', schema: ShopperSessionRequest, ok: [200], refused: [400, 403, 404, 413, 415, 429], origin: true },
  { method: 'POST', path: '/api/realtime/ticket', ok: [200], refused: [400, 401, 413, 415, 429] },
  { method: 'POST', path: '/api/rtc/credentials', ok: [200], refused: [400, 401, 404, 413, 415, 429] },
  { method: 'GET', path: '/api/conversations', ok: [200], refused: [401, 403] },
];

describe('REST endpoints under hostile input', () => {
  for (const route of ROUTES) {
    it(`${route.method} ${route.path}: generated bodies and credentials get a clear answer`, async () => {
      const body = route.schema ? hostileOf(route.schema) : fc.jsonValue();
      await fc.assert(
        fc.asyncProperty(body, fc.nat({ max: auths.length - 1 }), fc.boolean(), async (b, authIndex, withOrigin) => {
          const auth = auths[authIndex]!;
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (auth.header) headers.authorization = auth.header;
          if (route.origin && withOrigin) headers.origin = SITE.origin;
          const r = await raw(`${srv.url}${route.path}`, { method: route.method, headers, ...(route.method === 'POST' ? { body: JSON.stringify(b) } : {}) });
          expectClearRefusal(r, [...route.ok, ...route.refused], `${route.path} with ${auth.name} auth, body ${JSON.stringify(b).slice(0, 120)}`);
        }),
        { numRuns: RUNS },
      );
      await expectHealthy(srv);
    });
  }

  it('POST /api/auth/logout and OPTIONS preflights: generated bodies and credentials get a clear answer', async () => {
    // Not with the suite's own live staff tokens: a valid sign-out would end the sessions the other properties use.
    const strangers = auths.filter((a) => a.name !== 'agent' && a.name !== 'supervisor');
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.nat({ max: strangers.length - 1 }), fc.constantFrom(...ROUTES.map((r) => r.path), '/api/auth/logout'), async (b, i, p) => {
        const auth = strangers[i]!;
        const headers: Record<string, string> = { 'content-type': 'application/json', origin: SITE.origin, 'access-control-request-method': 'POST' };
        if (auth.header) headers.authorization = auth.header;
        const out = await raw(`${srv.url}/api/auth/logout`, { method: 'POST', headers, body: JSON.stringify(b) });
        expectClearRefusal(out, [400, 401, 403, 413, 415], `logout with ${auth.name}`);
        const pre = await raw(`${srv.url}${p}`, { method: 'OPTIONS', headers });
        expectClearRefusal(pre, [200, 204, 401, 404, 405], `OPTIONS ${p}`);
      }),
      { numRuns: RUNS },
    );
    // A real sign-out still works afterwards, and only for its own session.
    const own = await json(LoginResponse, `${srv.url}/api/auth/login`, DEMO.bob);
    expect((await raw(`${srv.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${own.token}` } })).status).toBe(204);
    expect((await raw(`${srv.url}/api/conversations`, { headers: { authorization: `Bearer ${supervisor.token}` } })).status).toBe(200);
    await expectHealthy(srv);
  });

  it('path parameters and queries: arbitrary conversation and file ids, limits and message numbers', async () => {
    const id = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.uuid(), fc.stringMatching(/^[0-9a-f]{32}$/));
    await fc.assert(
      fc.asyncProperty(id, fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...UPLOAD_TYPES, 'text/html', 'image/svg+xml', 'application/json', ''), fc.nat({ max: auths.length - 1 }), async (raw_id, q, type, authIndex) => {
        const auth = auths[authIndex]!;
        const headers: Record<string, string> = auth.header ? { authorization: auth.header } : {};
        const [enc, query] = [encodeURIComponent(raw_id), encodeURIComponent(q)];
        const paths = [
          `/api/conversations/${enc}`,
          `/api/conversations/${enc}/context`,
          `/api/conversations?limit=${query}`,
          `/api/conversations/${enc}/messages?after=${query}`,
          `/api/conversations/${enc}/messages?after=1&after=${query}`,
          `/api/files/${enc}`,
        ];
        for (const p of paths) {
          const r = await raw(`${srv.url}${p}`, { headers });
          // 204 is no answer: an id that names nothing is a 404 like any other.
          expectClearRefusal(r, [200, 400, 401, 403, 404], `${p} with ${auth.name}`);
        }
        // An upload to an arbitrary id, of any declared type: refused before a byte is stored.
        const up = await raw(`${srv.url}/api/conversations/${enc}/files?name=${query}`, { headers: { ...headers, 'content-type': type }, body: q || 'x' });
        expectClearRefusal(up, [400, 401, 403, 404, 415, 429], `upload to ${JSON.stringify(raw_id)} with ${auth.name}`);
      }),
      { numRuns: RUNS },
    );
    await expectHealthy(srv);
  });

  it('bytes that are not JSON: malformed, invalid UTF-8, wrong type, oversize', async () => {
    const bodies = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 500 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 500 }).map((a) => Buffer.from(a)),
      fc.constant(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), // {"a":"<invalid UTF-8>"}
      fc.constant(Buffer.from(`{"email":"${'a'.repeat(40_000)}@x.io","password":"x"}`)),
      fc.constant(Buffer.alloc(2 * 1024 * 1024, 0x20)),
    );
    const types = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1');
    const paths = fc.constantFrom(...ROUTES.filter((r) => r.method === 'POST').map((r) => r.path));
    await fc.assert(
      fc.asyncProperty(paths, bodies, types, async (p, body, type) => {
        const r = await raw(`${srv.url}${p}`, { headers: { 'content-type': type, origin: SITE.origin, authorization: `Bearer ${agent.token}` }, body });
        // A body over the 16 KiB limit may be cut off unread (the 413 races the upload).
        if (r.status === 0 && body.length > 16 * 1024) return;
        expectClearRefusal(r, [200, 400, 401, 403, 404, 413, 415, 429], `${p} ${type} ${body.length} bytes`);
      }),
      { numRuns: RUNS },
    );
    await expectHealthy(srv);
  });

  it('replays: a spent refresh token, a customer signature used twice, a realtime ticket used as a bearer', async () => {
    const fresh = await json(LoginResponse, `${srv.url}/api/auth/login`, DEMO.bob);
    const second = await json(LoginResponse, `${srv.url}/api/auth/refresh`, { refreshToken: fresh.refreshToken });
    // Rotated twice: the first token is past its grace (only the token just replaced has one).
    const rotated = await json(LoginResponse, `${srv.url}/api/auth/refresh`, { refreshToken: second.refreshToken });
    expectClearRefusal(await raw(`${srv.url}/api/auth/refresh`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: fresh.refreshToken }) }), [401], 'spent refresh');
    // Reuse revoked the whole session: the newest pair is dead too.
    expectClearRefusal(await raw(`${srv.url}/api/realtime/ticket`, { method: 'POST', headers: { authorization: `Bearer ${rotated.token}` } }), [401], 'token of a revoked session');

    const vouch = signCustomer(SITE.identitySecret, 1);
    const body = JSON.stringify({ siteKey: SITE.key, customer: vouch });
    const headers = { 'content-type': 'application/json', origin: SITE.origin };
    expect((await raw(`${srv.url}/api/shopper/session`, { headers, body })).status).toBe(200);
    expectClearRefusal(await raw(`${srv.url}/api/shopper/session`, { headers, body }), [403], 'replayed vouch');
    await expectHealthy(srv);
  });
});
