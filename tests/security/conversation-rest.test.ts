/**
 * The conversation endpoints under bad input, on the real server process: history, records,
 * context and files are readable by the conversation's participants (past ones too) and by
 * supervisors only; uploads are capped in size however the body is framed (honest, lying or absent
 * Content-Length), limited to the accepted types checked by their bytes, stored under names that
 * cannot be paths, and served so that a browser neither sniffs nor runs them.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatMessage, ConversationContext, ConversationRecord, ErrorCode, MAX_UPLOAD_BYTES, MessagePage, MediaKind } from '../../protocol/index';
import { shopperInConversation, startMessage, type ShopperInConversation } from '../helpers/conversations';
import { acceptedBy, asStack, expectClearRefusal, expectHealthy, raw, say, twoConversations, upload, withDb, type Agent, type RawResult, type TwoConversations } from './support';

let srv: TwoConversations['srv'];
let alice: Agent, bob: Agent, sam: Agent;
/** X: shopper A with alice. Y: shopper B with bob. */
let a: ShopperInConversation, b: ShopperInConversation;
let X: string;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

beforeAll(async () => {
  ({ srv, alice, a, X, bob, b, sam } = await twoConversations({ RECONNECT_GRACE_MS: '5000' }));
  await say(a.rt, X, 'hello-0001', 'Hello from A');
});
afterAll(async () => {
  for (const c of [a?.rt, b?.rt, alice?.rt, bob?.rt, sam?.rt]) c?.ws.terminate();
  await srv?.cleanup();
});

const tokens = () => ({ A: a.token, B: b.token, alice: alice.login.token, bob: bob.login.token, sam: sam.login.token, none: null, garbage: 'not.a.jwt' });
type Who = keyof ReturnType<typeof tokens>;
const get = (p: string, who: Who) => {
  const t = tokens()[who];
  return raw(`${srv.url}${p}`, { headers: t ? { authorization: `Bearer ${t}` } : {} });
};
/** Each caller's status (and error code) for one path. */
async function matrix(p: string, whos: Who[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const who of whos) {
    const r = await get(p, who);
    if (r.status >= 400) expectClearRefusal(r, [r.status], `${p} as ${who}`);
    out[who] = r.status >= 400 ? `${r.status} ${JSON.parse(r.body).error.code}` : String(r.status);
  }
  return out;
}
const stored = () => fs.readdirSync(path.join(srv.dataDir, 'files')).length;
const messageCount = async (id: string) => MessagePage.parse(JSON.parse((await get(`/api/conversations/${id}/messages?after=0`, 'sam')).body)).messages.length;
const code = (r: RawResult) => `${r.status} ${r.status >= 400 ? JSON.parse(r.body).error.code : ''}`.trim();
async function sent(r: RawResult): Promise<ChatMessage> {
  expect(r.status, r.body).toBe(200);
  return ChatMessage.parse(JSON.parse(r.body));
}
/** A GET whose body is kept as bytes. */
const bytes = (p: string, token: string) =>
  new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) =>
    http.get(`${srv.url}${p}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject),
  );

describe('who may read', () => {
  it('history, records and context: participants and supervisors; other shoppers and agents get not found', async () => {
    const all: Who[] = ['A', 'alice', 'sam', 'B', 'bob', 'none', 'garbage'];
    expect(await matrix(`/api/conversations/${X}/messages?after=0`, all)).toEqual({
      A: '200', alice: '200', sam: '200', B: '404 conversation_not_found', bob: '404 conversation_not_found', none: '401 unauthorized', garbage: '401 unauthorized',
    });
    expect(MessagePage.parse(JSON.parse((await get(`/api/conversations/${X}/messages?after=0`, 'A')).body)).messages.map((m) => m.text)).toEqual(['Hello from A']);
    expect(await matrix(`/api/conversations/${X}`, all)).toEqual({
      A: '403 forbidden', alice: '200', sam: '200', B: '403 forbidden', bob: '404 conversation_not_found', none: '401 unauthorized', garbage: '401 unauthorized',
    });
    ConversationRecord.parse(JSON.parse((await get(`/api/conversations/${X}`, 'alice')).body));
    expect(await matrix(`/api/conversations/${X}/context`, all)).toEqual({
      A: '403 forbidden', alice: '200', sam: '403 forbidden', B: '403 forbidden', bob: '404 conversation_not_found', none: '401 unauthorized', garbage: '401 unauthorized',
    });
    expect(ConversationContext.parse(JSON.parse((await get(`/api/conversations/${X}/context`, 'alice')).body)).conversationId).toBe(X);
    for (const after of ['-1', 'abc', '1.5', String(2 ** 60), '1&after=2', 'Infinity'])
      expect([after, code(await get(`/api/conversations/${X}/messages?after=${after}`, 'A'))]).toEqual([after, '400 bad_request']);
    await expectHealthy(srv);
  });

  it('an id that names no conversation is not found, for a supervisor too', async () => {
    expect(await matrix('/api/conversations/00000000-0000-4000-8000-000000000000', ['sam', 'alice'])).toEqual({
      sam: '404 conversation_not_found', alice: '404 conversation_not_found',
    });
  });
});

/**
 * One upload over a raw socket: these head lines, then `total` bytes of "a" (chunked or as they
 * come) until the server answers. The first response as status and body.
 */
function streamed(head: string[], total: number, chunked: boolean): Promise<{ status: number; body: string }> {
  const sock = net.connect(Number(new URL(srv.url).port), '127.0.0.1');
  let got = Buffer.alloc(0);
  let answered = false;
  return new Promise((resolve) => {
    const done = () => {
      const text = got.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), body: end < 0 ? '' : text.slice(end + 4) });
      sock.destroy();
    };
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const text = got.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (end >= 0 && got.length >= end + 4 + length) {
        answered = true;
        done();
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => answered || done());
    sock.write(`${head.join('\r\n')}\r\n\r\n`);
    void (async () => {
      for (let sentBytes = 0; sentBytes < total && !answered && !sock.destroyed; ) {
        const n = Math.min(64 * 1024, total - sentBytes);
        const chunk = Buffer.alloc(n, 0x61);
        const ok = sock.write(chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk);
        sentBytes += n;
        if (!ok) await new Promise((r) => (sock.once('drain', r), sock.once('close', r)));
      }
      if (chunked && !answered && !sock.destroyed) sock.write('0\r\n\r\n');
    })();
  });
}
const uploadHead = (extra: string[], name = 'big.txt') => [
  `POST /api/conversations/${X}/files?name=${name} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${a.token}`, 'Content-Type: text/plain', ...extra,
];

describe('uploads', () => {
  it(`size: over ${MAX_UPLOAD_BYTES} bytes is 413 too_large whether Content-Length is honest, absent or lying; the cap itself fits`, async () => {
    const [files, messages] = [stored(), await messageCount(X)];
    const tooLarge = { status: 413, body: expect.stringContaining(`"code":"${ErrorCode.TooLarge}"`) };
    // Honest, over the cap: refused on the declaration.
    expect(await streamed(uploadHead([`Content-Length: ${MAX_UPLOAD_BYTES + 1}`]), MAX_UPLOAD_BYTES + 1, false)).toMatchObject(tooLarge);
    // Declared huge, little sent: refused at once, not after waiting for 10 GB.
    expect(await streamed(uploadHead(['Content-Length: 10000000000']), 10, false)).toMatchObject(tooLarge);
    // No Content-Length (chunked): counted as it streams.
    expect(await streamed(uploadHead(['Transfer-Encoding: chunked']), MAX_UPLOAD_BYTES + 256 * 1024, true)).toMatchObject(tooLarge);
    // Both framings at once (a smuggling attempt): refused by the HTTP parser (a bare 400, or the connection cut under the flood).
    expect([0, 400]).toContain((await streamed(uploadHead(['Content-Length: 100', 'Transfer-Encoding: chunked']), MAX_UPLOAD_BYTES + 1, true)).status);
    expect([stored(), await messageCount(X)]).toEqual([files, messages]);
    // Lying low: the body is the declared 100 bytes; what follows is a broken next request (the parser
    // cuts the connection, and may take the first answer with it), never more bytes in the file.
    const lying = await streamed(uploadHead(['Content-Length: 100'], 'lying.txt'), MAX_UPLOAD_BYTES + 1, false);
    expect([0, 200, 400]).toContain(lying.status);
    if (lying.status === 200) expect(ChatMessage.parse(JSON.parse(lying.body)).file).toMatchObject({ name: 'lying.txt', size: 100 });
    // Exactly the cap is accepted.
    const exact = await streamed(uploadHead(['Transfer-Encoding: chunked'], 'exact.txt'), MAX_UPLOAD_BYTES, true);
    expect(ChatMessage.parse(JSON.parse(exact.body)).file).toMatchObject({ name: 'exact.txt', size: MAX_UPLOAD_BYTES });
    const lied: { size: number }[] = await withDb(srv.dataDir, (db) => db('files').where({ name: 'lying.txt' }).select('size'));
    expect(lied.length).toBeLessThanOrEqual(1);
    for (const f of lied) expect(f.size).toBe(100);
    expect([stored(), await messageCount(X)]).toEqual([files + 1 + lied.length, messages + 1 + lied.length]);
    await expectHealthy(srv);
  });

  it('types: only the accepted ones, and only when the bytes are what the type says', async () => {
    const [files, messages] = [stored(), await messageCount(X)];
    const cases: [string | null, Buffer | string, string][] = [
      ['text/html', '<html><script>alert(1)</script></html>', '415 unsupported_type'],
      ['image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', '415 unsupported_type'],
      ['application/javascript', 'alert(1)', '415 unsupported_type'],
      ['application/octet-stream', 'MZ\x90\x00', '415 unsupported_type'],
      [null, 'no type at all', '415 unsupported_type'],
      ['image/png', '<html><script>alert(1)</script></html>', '415 unsupported_type'],
      ['image/png; charset=utf-8', Buffer.concat([Buffer.from('<!--'), PNG]), '415 unsupported_type'],
      ['image/jpeg', PNG, '415 unsupported_type'],
      ['image/webp', 'RIFF....WEBQ', '415 unsupported_type'],
      ['application/pdf', '<html>%PDF-</html>', '415 unsupported_type'],
      ['text/plain', Buffer.from('text\x00with a NUL'), '415 unsupported_type'],
      ['text/plain', Buffer.from([0x68, 0x69, 0xff, 0xfe]), '415 unsupported_type'],
      ['image/png', Buffer.alloc(0), '400 bad_request'],
    ];
    for (const [type, body, want] of cases) {
      const r = await upload(srv.url, alice.login.token, X, body, type, 'x');
      expectClearRefusal(r, [400, 415], `${type}`);
      expect([type, code(r)]).toEqual([type, want]);
    }
    expect([stored(), await messageCount(X)]).toEqual([files, messages]);
    await expectHealthy(srv);
  });

  it('names: no paths, no control characters, at most 200 characters; files are stored under random names only', async () => {
    const before = fs.readdirSync(srv.dataDir).sort();
    const cases: [string | undefined, string][] = [
      ['../../etc/passwd', 'passwd'],
      ['..\\..\\Windows\\win.ini', 'win.ini'],
      ['a\u0000b\r\nc\u0007\u007f.txt', 'abc.txt'],
      ['/', 'file'],
      [undefined, 'file'],
      ['é'.repeat(300), 'é'.repeat(200)],
    ];
    for (const [name, want] of cases) {
      const m = await sent(await upload(srv.url, a.token, X, 'hello', 'text/plain', name));
      expect([name, m.kind, m.text, m.file?.name]).toEqual([name, 'file', want, want]);
      const served = await bytes(`/api/files/${m.file!.id}`, a.token);
      expect(served.headers['content-disposition']).toBe(`attachment; filename*=UTF-8''${encodeURIComponent(want)}`);
    }
    expect(fs.readdirSync(path.join(srv.dataDir, 'files')).every((f) => /^[0-9a-f]{32}$/.test(f))).toBe(true);
    expect(fs.readdirSync(srv.dataDir).sort()).toEqual(before);
  });

  it('names: C1 control characters (U+0080–U+009F) are removed too', async () => {
    const m = await sent(await upload(srv.url, a.token, X, 'hello', 'text/plain', 'in\u0085voice\u009b31m.txt'));
    expect(m.file?.name).toBe('invoice31m.txt');
  });

  it('served files: nosniff and a sandbox CSP always; images inline, everything else as an attachment; participants and supervisors only', async () => {
    const png = await sent(await upload(srv.url, a.token, X, PNG, 'image/png', 'photo.png'));
    const pdf = await sent(await upload(srv.url, a.token, X, PDF, 'application/pdf', 'invoice.pdf'));
    for (const [m, body, type, disposition] of [
      [png, PNG, 'image/png', 'inline'],
      [pdf, PDF, 'application/pdf', 'attachment'],
    ] as const) {
      const r = await bytes(`/api/files/${m.file!.id}`, alice.login.token);
      expect(r.status).toBe(200);
      expect(r.body.equals(body)).toBe(true);
      expect(r.headers['content-type']).toBe(type);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['content-security-policy']).toMatch(/(^|;\s*)sandbox(;|$)/);
      expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(r.headers['content-disposition']).toBe(`${disposition}; filename*=UTF-8''${m.file!.name}`);
    }
    expect(await matrix(`/api/files/${png.file!.id}`, ['A', 'alice', 'sam', 'B', 'bob', 'none', 'garbage'])).toEqual({
      A: '200', alice: '200', sam: '200', B: '404 not_found', bob: '404 not_found', none: '401 unauthorized', garbage: '401 unauthorized',
    });
    for (const id of ['f'.repeat(32), 'x'.repeat(32), encodeURIComponent('../../etc/passwd'), '..%2f..%2fcounterpart.sqlite', png.file!.id.toUpperCase()])
      expect([id, code(await get(`/api/files/${id}`, 'sam'))]).toEqual([id, '404 not_found']);
    await expectHealthy(srv);
  });

  it('uploads to a conversation that is not yours, or to none: refused before anything is read or stored', async () => {
    const [files, messages] = [stored(), await messageCount(X)];
    const cases: [string | null, string, string][] = [
      [b.token, X, '404 conversation_not_found'],
      [bob.login.token, X, '404 conversation_not_found'],
      [sam.login.token, X, '403 forbidden'],
      [null, X, '401 unauthorized'],
      ['not.a.jwt', X, '401 unauthorized'],
      [a.token, '00000000-0000-4000-8000-000000000000', '404 conversation_not_found'],
      [a.token, '../../files', '404 conversation_not_found'],
    ];
    for (const [token, id, want] of cases) expect([id, code(await upload(srv.url, token, id, 'hello', 'text/plain', 'x.txt'))]).toEqual([id, want]);
    expect([stored(), await messageCount(X)]).toEqual([files, messages]);
  });

  it("uploads have a per-owner budget: the 21st in ten minutes is rate_limited with Retry-After", async () => {
    // Files are taken once an agent has joined: a fresh shopper, taken by bob once his conversation with B is over.
    const waiting = await shopperInConversation(asStack(srv), { start: startMessage({ channel: MediaKind.Chat }) });
    expect(code(await upload(srv.url, waiting.token, waiting.conversationId, 'x', 'text/plain', 'x.txt'))).toBe('409 invalid_transition');
    waiting.rt.send({ type: 'conversation.end', conversationId: waiting.conversationId });
    await waiting.rt.next('conversation.update', { where: (u) => u.conversation.endedAt !== null });
    waiting.rt.ws.terminate();
    b.rt.send({ type: 'conversation.end', conversationId: b.conversationId });
    await bob.rt.next('conversation.update', { where: (u) => u.conversation.id === b.conversationId && u.conversation.endedAt !== null });
    const c = await acceptedBy(srv.url, bob);
    const statuses: number[] = [];
    let last: RawResult | null = null;
    for (let i = 0; i < 21; i++) statuses.push((last = await upload(srv.url, c.token, c.conversationId, `note ${i}`, 'text/plain', `n${i}.txt`)).status);
    expect(statuses).toEqual([...Array(20).fill(200), 429]);
    expect(code(last!)).toBe('429 rate_limited');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    c.rt.ws.terminate();
  });

  it('after the end: past participants still read the history and files; nobody uploads; strangers still see nothing', async () => {
    const m = await sent(await upload(srv.url, a.token, X, 'before the end', 'text/plain', 'last.txt'));
    a.rt.send({ type: 'conversation.end', conversationId: X });
    await alice.rt.next('conversation.update', { where: (u) => u.conversation.id === X && u.conversation.endedAt !== null });
    expect(await matrix(`/api/conversations/${X}/messages?after=0`, ['A', 'alice', 'B', 'bob'])).toEqual({
      A: '200', alice: '200', B: '404 conversation_not_found', bob: '404 conversation_not_found',
    });
    expect(await matrix(`/api/files/${m.file!.id}`, ['A', 'alice', 'B', 'bob'])).toEqual({ A: '200', alice: '200', B: '404 not_found', bob: '404 not_found' });
    expect(code(await upload(srv.url, a.token, X, 'after the end', 'text/plain', 'late.txt'))).toBe('404 conversation_not_found');
    expect(await withDb(srv.dataDir, (db) => db('files').where({ conversation_id: X, name: 'late.txt' }).count({ n: '*' }))).toEqual([{ n: 0 }]);
    await expectHealthy(srv);
  });
});
