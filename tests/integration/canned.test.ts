/**
 * Canned responses over REST on a real server: agents read them, supervisors manage them (unique
 * shortcuts, bounded input); agents and shoppers cannot change them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannedList, CannedResponse, ErrorCode } from '../../protocol/index';
import { bearer, DEMO, httpRequest, login, shopperSession, startStack, type HttpResult, type Stack } from '../helpers/server';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

const call = (method: string, path: string, token: string, body?: unknown): Promise<HttpResult> =>
  httpRequest(`${stack.url}/api${path}`, { method, headers: bearer(token), ...(body === undefined ? {} : { body }) });
const code = (r: HttpResult) => [r.status, (r.json as { error?: { code?: string } } | null)?.error?.code];

describe('canned responses', () => {
  it('are seeded for the demo, read by agents, and managed by supervisors only', async () => {
    const alice = await login(stack.url, DEMO.alice);
    const sam = await login(stack.url, DEMO.sam);
    const seeded = CannedList.parse((await call('GET', '/canned', alice.token)).json).responses;
    expect(seeded.map((c) => c.shortcut)).toEqual(expect.arrayContaining(['hello', 'returns', 'nihao']));

    const made = await call('POST', '/canned', sam.token, { shortcut: ' Refund-Time ', title: 'Refund timing', body: 'Refunds reach your card within 5 working days.' });
    expect(made.status).toBe(201);
    const c = CannedResponse.parse(made.json);
    expect(c.shortcut).toBe('refund-time');
    expect(CannedList.parse((await call('GET', '/canned', alice.token)).json).responses.map((x) => x.shortcut)).toContain('refund-time');
    expect(code(await call('POST', '/canned', sam.token, { shortcut: 'refund-time', title: 'x', body: 'y' }))).toEqual([409, ErrorCode.Conflict]);
    const edited = CannedResponse.parse((await call('PUT', `/canned/${c.id}`, sam.token, { shortcut: 'refund', title: 'Refund timing', body: 'Within 5 working days.' })).json);
    expect(edited).toMatchObject({ id: c.id, shortcut: 'refund', body: 'Within 5 working days.' });
    expect(code(await call('PUT', `/canned/${c.id}`, sam.token, { shortcut: 'hello', title: 'x', body: 'y' }))).toEqual([409, ErrorCode.Conflict]);

    // Bad input: shortcut shape, empty or oversize text, extra fields, unknown ids.
    for (const bad of [{ shortcut: 'has space', title: 't', body: 'b' }, { shortcut: 'ok', title: '', body: 'b' }, { shortcut: 'ok', title: 't', body: 'x'.repeat(2001) }, { shortcut: 'ok', title: 't', body: 'b', extra: 1 }, null, 'text'])
      expect(code(await call('POST', '/canned', sam.token, bad)), JSON.stringify(bad)?.slice(0, 40)).toEqual([400, ErrorCode.BadRequest]);
    expect(code(await call('PUT', '/canned/999999', sam.token, { shortcut: 'ok', title: 't', body: 'b' }))).toEqual([404, ErrorCode.NotFound]);
    expect(code(await call('DELETE', '/canned/abc', sam.token))).toEqual([404, ErrorCode.NotFound]);

    // Agents read, they do not manage; shoppers do neither.
    expect(code(await call('POST', '/canned', alice.token, { shortcut: 'mine', title: 't', body: 'b' }))).toEqual([403, ErrorCode.Forbidden]);
    expect(code(await call('DELETE', `/canned/${c.id}`, alice.token))).toEqual([403, ErrorCode.Forbidden]);
    const shopper = await shopperSession(stack.url);
    expect(code(await call('GET', '/canned', shopper.token))).toEqual([403, ErrorCode.Forbidden]);

    expect((await call('DELETE', `/canned/${c.id}`, sam.token)).status).toBe(204);
    expect(code(await call('DELETE', `/canned/${c.id}`, sam.token))).toEqual([404, ErrorCode.NotFound]);
  });
});
