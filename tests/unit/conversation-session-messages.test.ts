/**
 * ConversationSession over a fake realtime channel: exactly-once messages with gaps filled, pending
 * resends after a reconnect, marks and typing, file uploads and downloads.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { CounterpartError, ErrorCode, MediaKind } from '../../protocol/index';
import { msg, seqs } from './client-fixtures';
import { agent, base, context, freshRealtime, live, me, record, rt, session, sync, useSessionFixtures } from './session-fixtures';

useSessionFixtures();

describe('ConversationSession: messages', () => {
  it('shows each message once in order and fills a gap with one resume', () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    live(msg(1));
    live(msg(1));
    live(msg(3));
    live(msg(4));
    expect(seqs(r.messages)).toEqual([1]);
    expect(rt.take('conversation.resume')).toEqual([{ type: 'conversation.resume', conversationId: 'c1', afterSeq: 1 }]);
    sync([msg(2), msg(3), msg(4)]);
    live(msg(4));
    expect(seqs(r.messages)).toEqual([1, 2, 3, 4]);
    expect(seqs(s.messages)).toEqual([1, 2, 3, 4]);
  });

  it('keeps a sent message pending until the server returns it, by clientId', () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    const p = s.send('  hello  ');
    expect(rt.take('chat.send')).toEqual([{ type: 'chat.send', conversationId: 'c1', clientId: p.clientId, text: 'hello' }]);
    expect(s.pending).toEqual([p]);
    live(msg(1, { sender: me, clientId: p.clientId, text: 'hello' }));
    expect(s.pending).toEqual([]);
    expect(r.pending).toEqual([1, 0]);
  });

  it('resends what is pending after the resume sync of a reconnect, in order, not what the sync confirms', () => {
    const s = session({ conversationId: 'c1' });
    rt.connected = false;
    const a = s.send('one');
    const b = s.send('two');
    const c = s.send('three');
    expect(rt.sent).toEqual([]);
    rt.connected = true;
    rt.fire('connected');
    expect(rt.take('chat.send')).toEqual([]);
    sync([msg(1, { sender: me, clientId: b.clientId })]);
    expect(rt.take('chat.send').map((m) => m.clientId)).toEqual([a.clientId, c.clientId]);
    expect(s.pending.map((p) => p.text)).toEqual(['one', 'three']);
  });

  it('a message typed while a resume is under way waits for its sync, behind the older pending ones', () => {
    const s = session({ conversationId: 'c1' });
    rt.connected = false;
    const a = s.send('one');
    rt.connected = true;
    rt.fire('connected');
    const b = s.send('two');
    expect(rt.take('chat.send')).toEqual([]);
    sync();
    expect(rt.take('chat.send').map((m) => m.clientId)).toEqual([a.clientId, b.clientId]);
  });

  it('a refused resume is asked again later, so pending messages do not wait for ever', () => {
    vi.useFakeTimers();
    const s = session({ conversationId: 'c1' });
    rt.fire('connected');
    const p = s.send('hi');
    rt.take('conversation.resume');
    rt.fire('error', { type: 'error', code: ErrorCode.RateLimited, message: 'slow down', conversationId: 'c1' });
    vi.advanceTimersByTime(2000);
    expect(rt.take('conversation.resume')).toEqual([{ type: 'conversation.resume', conversationId: 'c1', afterSeq: 0 }]);
    sync();
    expect(rt.take('chat.send').map((m) => m.clientId)).toEqual([p.clientId]);
  });

  it('messages typed while the start is answered go once the conversation exists', () => {
    const s = session();
    s.start(MediaKind.Chat, context);
    const p = s.send('anyone?');
    expect(rt.take('chat.send')).toEqual([]);
    sync();
    expect(rt.take('chat.send')).toEqual([{ type: 'chat.send', conversationId: 'c1', clientId: p.clientId, text: 'anyone?' }]);
  });

  it('refuses empty and oversized text', () => {
    const s = session({ conversationId: 'c1' });
    expect(() => s.send('   ')).toThrow(CounterpartError);
    expect(() => s.send('x'.repeat(2001))).toThrow(CounterpartError);
    expect(rt.sent).toEqual([]);
  });

  it('typing goes out at most every 2 s; others’ typing is reported, its own is not', () => {
    vi.useFakeTimers();
    const s = session({ conversationId: 'c1' });
    const who: unknown[] = [];
    s.on('typing', (w) => who.push(w));
    s.typing();
    s.typing();
    vi.advanceTimersByTime(1999);
    s.typing();
    expect(rt.take('chat.typing')).toHaveLength(1);
    vi.advanceTimersByTime(1);
    s.typing();
    expect(rt.take('chat.typing')).toHaveLength(1);
    rt.fire('chat.typing', { type: 'chat.typing', conversationId: 'c1', party: agent, name: 'Ann' });
    rt.fire('chat.typing', { type: 'chat.typing', conversationId: 'c1', party: me, name: 'Me' });
    expect(who).toEqual([{ party: agent, name: 'Ann' }]);
  });

  it('reports delivered marks as messages arrive and read marks on markSeen, throttled', () => {
    vi.useFakeTimers();
    const s = session({ conversationId: 'c1' });
    live(msg(1));
    expect(rt.take('chat.seen')).toEqual([{ type: 'chat.seen', conversationId: 'c1', deliveredSeq: 1, readSeq: 0 }]);
    live(msg(2));
    s.markSeen();
    expect(rt.take('chat.seen')).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(rt.take('chat.seen')).toEqual([{ type: 'chat.seen', conversationId: 'c1', deliveredSeq: 2, readSeq: 2 }]);
    s.markSeen();
    vi.advanceTimersByTime(5000);
    expect(rt.take('chat.seen')).toEqual([]);
  });

  it('property: whatever is delivered, dropped, duplicated or reordered, and whenever the socket drops, each seq is shown once, in order', () => {
    type Step = { kind: 'live' } | { kind: 'answer' } | { kind: 'drop' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 5, arbitrary: fc.constant({ kind: 'live' as const }) },
      { weight: 3, arbitrary: fc.constant({ kind: 'answer' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
    );
    const scenario = fc.integer({ min: 1, max: 40 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        // Live deliveries: seqs in any order, some twice, some never (the last one always comes).
        deliveries: fc.array(fc.integer({ min: 1, max: n }), { maxLength: 3 * n }).map((d) => [...d, n]),
        steps: fc.array(step, { maxLength: 200 }),
        page: fc.integer({ min: 1, max: 8 }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ n, deliveries, steps, page }) => {
        freshRealtime();
        const s = session({ conversationId: 'c1' });
        const shown: number[] = [];
        s.on('message', (m) => shown.push(m.seq));
        const server = Array.from({ length: n }, (_, i) => msg(i + 1));
        const answer = (afterSeq: number) => {
          const rest = server.filter((m) => m.seq > afterSeq);
          sync(rest.slice(0, page), {}, rest.length > page);
        };
        let next = 0;
        let connected = true;
        const run = (st: Step) => {
          if (st.kind === 'live') {
            const seq = deliveries[next++];
            if (seq !== undefined && connected) live(server[seq - 1]!);
          } else if (st.kind === 'answer') {
            const [req] = rt.take('conversation.resume');
            if (req && connected) answer(req.afterSeq);
          } else if (connected) {
            connected = rt.connected = false;
            rt.take('conversation.resume'); // lost with the socket
            rt.fire('disconnected', { code: 1006, willRetry: true });
          } else {
            connected = rt.connected = true;
            rt.fire('connected');
          }
        };
        for (const st of steps) run(st);
        // Then the network behaves: the rest is delivered and every request answered.
        if (!connected) run({ kind: 'drop' });
        while (next < deliveries.length) run({ kind: 'live' });
        for (let i = 0; i < 4 * n + 10 && rt.sent.some((m) => m.type === 'conversation.resume'); i++) run({ kind: 'answer' });
        expect(shown).toEqual(server.map((m) => m.seq));
        s.close();
      }),
      { numRuns: 400 },
    );
  });
});

describe('ConversationSession: files', () => {
  it('uploads the raw bytes with their type and the bearer, and shows the stored message', async () => {
    const stored = msg(1, { kind: 'file', sender: me, file: { id: 'a'.repeat(32), name: 'a b.png', type: 'image/png', size: 3 } });
    const fetch = vi.fn(async (_url: URL, _init?: RequestInit) => Response.json(stored));
    vi.stubGlobal('fetch', fetch);
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    const file = Object.assign(new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), { name: 'a b.png' });
    await s.sendFile(file);
    const [url, init] = fetch.mock.calls[0]!;
    expect(String(url)).toBe(`${base}/api/conversations/c1/files?name=a%20b.png`);
    expect(init?.method).toBe('POST');
    expect(init?.headers).toEqual({ authorization: 'Bearer tok', 'content-type': 'image/png' });
    expect(init?.body).toBe(file);
    expect(seqs(r.messages)).toEqual([1]);
  });

  it('an error body becomes a CounterpartError with its code; unsupported types never leave', async () => {
    vi.stubGlobal('fetch', async () => Response.json({ error: { code: ErrorCode.TooLarge, message: 'too big' } }, { status: 413 }));
    const s = session({ conversationId: 'c1' });
    const png = Object.assign(new Blob(['x'], { type: 'image/png' }), { name: 'x.png' });
    await expect(s.sendFile(png)).rejects.toMatchObject({ code: ErrorCode.TooLarge, status: 413 });
    const exe = Object.assign(new Blob(['x'], { type: 'application/x-msdownload' }), { name: 'x.exe' });
    await expect(s.sendFile(exe)).rejects.toMatchObject({ code: ErrorCode.UnsupportedType });
  });

  it('fetches a file once with the bearer, as an object URL revoked on close', async () => {
    const fetch = vi.fn(async () => new Response(new Blob(['img'], { type: 'image/png' })));
    vi.stubGlobal('fetch', fetch);
    const revoke = vi.spyOn(URL, 'revokeObjectURL');
    const s = session({ conversationId: 'c1' });
    const id = 'b'.repeat(32);
    const [u1, u2] = await Promise.all([s.fileUrl(id), s.fileUrl(id)]);
    expect(u1).toBe(u2);
    expect(fetch).toHaveBeenCalledTimes(1);
    await expect(s.fileUrl('../../etc/passwd')).rejects.toBeInstanceOf(CounterpartError);
    s.close();
    await new Promise((r) => setTimeout(r, 0));
    expect(revoke).toHaveBeenCalledWith(u1);
    revoke.mockRestore();
  });
});
