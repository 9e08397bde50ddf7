/**
 * ConversationSession over a fake realtime channel: start and resume, exactly-once messages with
 * gaps filled, pending resends after a reconnect, marks and typing, media session wiring, files.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationSession, type MediaLinkPort } from '../../client/conversation';
import { Emitter } from '../../client/emitter';
import type { MediaLinkEvents } from '../../client/media-link';
import {
  ConversationState,
  CounterpartError,
  ErrorCode,
  MediaKind,
  MediaPath,
  Role,
  type ChatMessage,
  type MediaPeer,
  type MediaSessionView,
  type Party,
  type QosSample,
} from '../../protocol/index';
import { FakeRealtime, msg, seqs, view } from './client-fixtures';

const me: Party = { role: Role.Shopper, id: 's1' };
const agent: Party = { role: Role.Agent, id: '7' };
const context = { productId: null, pageUrl: 'https://shop.test/p/1' };
const base = 'https://cp.test';

class FakeLink extends Emitter<MediaLinkEvents> implements MediaLinkPort {
  readonly peerId: string;
  readonly peers: (readonly MediaPeer[])[] = [];
  closed: { keepLocalTracks?: boolean } | null = null;
  constructor(n: number) {
    super();
    this.peerId = `peer-${n}`;
  }
  setPeers(p: readonly MediaPeer[]): void {
    this.peers.push(p);
  }
  close(opts: { keepLocalTracks?: boolean } = {}): void {
    this.closed = opts;
  }
  fire<K extends keyof MediaLinkEvents>(event: K, ...args: Parameters<MediaLinkEvents[K]>): void {
    this.emit(event, ...args);
  }
}

const fakeStream = () => {
  const tracks = [
    { kind: 'audio', enabled: true, stop: vi.fn() },
    { kind: 'video', enabled: true, stop: vi.fn() },
  ];
  return {
    tracks,
    getTracks: () => tracks,
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video'),
  };
};

let rt: FakeRealtime;
let links: FakeLink[];
let streams: ReturnType<typeof fakeStream>[];
let getLocalMedia: ReturnType<typeof vi.fn<(kind: MediaKind.Voice | MediaKind.Video) => Promise<MediaStream>>>;

function session(over: { conversationId?: string; lastSeq?: number } = {}): ConversationSession {
  return new ConversationSession({
    rt: rt.client,
    baseUrl: base,
    token: () => 'tok',
    me,
    getLocalMedia,
    openLink: async () => {
      const l = new FakeLink(links.length + 1);
      links.push(l);
      return l;
    },
    ...over,
  });
}

/** Records every event of a session. */
function record(s: ConversationSession) {
  const r = { messages: [] as ChatMessage[], persisted: [] as unknown[], pending: [] as number[], gone: 0, errors: [] as CounterpartError[], local: [] as unknown[], paths: [] as MediaPath[], mediaErrors: [] as CounterpartError[] };
  s.on('message', (m) => r.messages.push(m));
  s.on('persist', (p) => r.persisted.push(p));
  s.on('pending', (l) => r.pending.push(l.length));
  s.on('gone', () => r.gone++);
  s.on('error', (e) => r.errors.push(e));
  s.on('localStream', (x) => r.local.push(x));
  s.on('mediaPath', (p) => r.paths.push(p));
  s.on('mediaError', (e) => r.mediaErrors.push(e));
  return r;
}

const sync = (messages: ChatMessage[] = [], over: Parameters<typeof view>[0] = {}, more = false) =>
  rt.fire('conversation.sync', { type: 'conversation.sync', conversation: view(over), messages, more });
const live = (m: ChatMessage) => rt.fire('chat.message', { type: 'chat.message', message: m });
const reconnect = () => {
  rt.connected = false;
  rt.fire('disconnected', { code: 1006, willRetry: true });
  rt.connected = true;
  rt.fire('connected');
};

beforeEach(() => {
  rt = new FakeRealtime();
  links = [];
  streams = [];
  getLocalMedia = vi.fn(async () => {
    const s = fakeStream();
    streams.push(s);
    return s as unknown as MediaStream;
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('ConversationSession: start and resume', () => {
  it('starts once connected, takes the id from the sync and reports the queue', () => {
    rt.connected = false;
    const s = session();
    const r = record(s);
    const queued: unknown[] = [];
    s.on('queued', (q) => queued.push(q));
    s.start(MediaKind.Video, context);
    expect(rt.sent).toEqual([]);
    rt.connected = true;
    rt.fire('connected');
    expect(rt.take('conversation.start')).toEqual([{ type: 'conversation.start', channel: MediaKind.Video, context }]);
    sync();
    rt.fire('conversation.queued', { type: 'conversation.queued', conversationId: 'c1', position: 2, agentAvailable: true });
    expect(s.conversationId).toBe('c1');
    expect(queued).toEqual([{ position: 2, agentAvailable: true }]);
    expect(r.persisted).toEqual([{ conversationId: 'c1', lastSeq: 0 }]);
  });

  it('resumes a stored conversation after the stored seq on every (re)connect, and pages', () => {
    const s = session({ conversationId: 'c1', lastSeq: 4 });
    const r = record(s);
    rt.fire('connected');
    expect(rt.take('conversation.resume')).toEqual([{ type: 'conversation.resume', conversationId: 'c1', afterSeq: 4 }]);
    sync([msg(5), msg(6)], {}, true);
    expect(rt.take('conversation.resume')).toEqual([{ type: 'conversation.resume', conversationId: 'c1', afterSeq: 6 }]);
    sync([msg(7)]);
    expect(rt.take('conversation.resume')).toEqual([]);
    expect(seqs(r.messages)).toEqual([5, 6, 7]);
    expect(s.persistable()).toEqual({ conversationId: 'c1', lastSeq: 7 });
    reconnect();
    expect(rt.take('conversation.resume')).toEqual([{ type: 'conversation.resume', conversationId: 'c1', afterSeq: 7 }]);
  });

  it('a stored conversation the server no longer has is gone', () => {
    const s = session({ conversationId: 'c1', lastSeq: 3 });
    const r = record(s);
    rt.fire('connected');
    rt.fire('error', { type: 'error', code: ErrorCode.ConversationNotFound, message: 'No such conversation', conversationId: 'c1' });
    expect(r.gone).toBe(1);
    expect(r.errors).toEqual([]);
    expect(r.persisted).toEqual([null]);
    expect(s.persistable()).toBeNull();
  });

  it('takes errors of its own conversation (or of its start) only', () => {
    const s = session();
    const r = record(s);
    s.start(MediaKind.Chat, context);
    rt.fire('error', { type: 'error', code: ErrorCode.QueueFull, message: 'full' });
    expect(r.errors.map((e) => e.code)).toEqual([ErrorCode.QueueFull]);
    const t = session({ conversationId: 'c1' });
    const r2 = record(t);
    rt.fire('error', { type: 'error', code: ErrorCode.RateLimited, message: 'slow down', conversationId: 'c2' });
    rt.fire('error', { type: 'error', code: ErrorCode.InvalidTransition, message: 'no', conversationId: 'c1' });
    expect(r2.errors.map((e) => e.code)).toEqual([ErrorCode.InvalidTransition]);
  });

  it('an agent accepts, then fetches the conversation on the same socket', () => {
    const s = session({ conversationId: 'c9' });
    s.accept();
    expect(rt.sent).toEqual([
      { type: 'offer.accept', conversationId: 'c9' },
      { type: 'conversation.resume', conversationId: 'c9', afterSeq: 0 },
    ]);
  });

  it('a terminal conversation is forgotten by the page and refuses new messages', () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    sync([], { state: ConversationState.Closed });
    expect(r.persisted).toEqual([null]);
    expect(() => s.send('hello')).toThrow(CounterpartError);
  });

  it('ignores another conversation on a shared channel', () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    live(msg(1, { conversationId: 'c2' }));
    sync([msg(1, { conversationId: 'c2' })], { id: 'c2' });
    expect(r.messages).toEqual([]);
    expect(s.view).toBeNull();
  });
});

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
        rt = new FakeRealtime();
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

describe('ConversationSession: media', () => {
  const media = (id: string, kind: MediaKind.Voice | MediaKind.Video = MediaKind.Video): MediaSessionView => ({
    id,
    kind,
    startedAt: '2026-01-01T00:00:00.000Z',
    connectedAt: null,
    endedAt: null,
    endReason: null,
    resumes: 0,
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const active = (m: MediaSessionView | null) =>
    rt.fire('conversation.update', { type: 'conversation.update', conversation: view({ state: ConversationState.Active, media: m }) });

  it('joins a running media session: local media of its kind, a link, media.join, then media.peers to the link', async () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    active(media('m1', MediaKind.Voice));
    await flush();
    expect(getLocalMedia).toHaveBeenCalledWith(MediaKind.Voice);
    expect(r.local).toEqual([streams[0]]);
    expect(rt.take('media.join')).toEqual([{ type: 'media.join', conversationId: 'c1', peerId: 'peer-1' }]);
    const peers: MediaPeer[] = [{ party: agent, name: 'Ann', peerId: 'p-agent', placeCall: false }];
    rt.fire('media.peers', { type: 'media.peers', conversationId: 'c1', mediaId: 'm-other', kind: MediaKind.Voice, peers: [] });
    rt.fire('media.peers', { type: 'media.peers', conversationId: 'c1', mediaId: 'm1', kind: MediaKind.Voice, peers });
    expect(links[0]!.peers).toEqual([peers]);
    // The same media session in the next update: nothing new is opened.
    active(media('m1', MediaKind.Voice));
    await flush();
    expect(links).toHaveLength(1);
  });

  it('reports the path to the server and the page, and QoS to the server', async () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    active(media('m1'));
    await flush();
    links[0]!.fire('path', MediaPath.Flowing);
    links[0]!.fire('path', MediaPath.Reconnecting);
    const sample: QosSample = { rttMs: 20, jitterMs: 1, lossPct: 0, bitrateKbps: 800, localCandidate: 'host', remoteCandidate: 'relay' };
    links[0]!.fire('qos', sample);
    expect(rt.take('media.path').map((m) => m.path)).toEqual([MediaPath.Flowing, MediaPath.Reconnecting]);
    expect(rt.take('qos.sample')).toEqual([{ type: 'qos.sample', conversationId: 'c1', sample }]);
    expect(r.paths).toEqual([MediaPath.Flowing, MediaPath.Reconnecting]);
  });

  it('closes the link and the local tracks when the media session ends; chat goes on', async () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    active(media('m1'));
    await flush();
    active(null);
    expect(links[0]!.closed).not.toBeNull();
    expect(streams[0]!.tracks.every((t) => t.stop.mock.calls.length === 1)).toBe(true);
    expect(r.local).toEqual([streams[0], null]);
    s.send('still here');
    expect(rt.take('chat.send')).toHaveLength(1);
  });

  it('refused local media: says so and stops the media session', async () => {
    getLocalMedia.mockRejectedValueOnce(new CounterpartError(ErrorCode.Forbidden, 'denied'));
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    active(media('m1'));
    await flush();
    expect(r.mediaErrors.map((e) => e.code)).toEqual([ErrorCode.Forbidden]);
    expect(rt.take('media.stop')).toEqual([{ type: 'media.stop', conversationId: 'c1' }]);
    expect(links).toHaveLength(0);
    active(media('m1'));
    await flush();
    expect(getLocalMedia).toHaveBeenCalledTimes(1);
  });

  it('after a reconnect, tells the server its peer and path again; after a reload, joins with a new peer', async () => {
    const s = session({ conversationId: 'c1' });
    active(media('m1'));
    await flush();
    links[0]!.fire('path', MediaPath.Flowing);
    rt.sent.length = 0;
    reconnect();
    sync([], { state: ConversationState.Active, media: media('m1') });
    expect(rt.take('media.join')).toEqual([{ type: 'media.join', conversationId: 'c1', peerId: 'peer-1' }]);
    expect(rt.take('media.path')).toEqual([{ type: 'media.path', conversationId: 'c1', path: MediaPath.Flowing }]);
    s.close();
    // A new page resumes the conversation with its media running: a new link joins.
    const again = session({ conversationId: 'c1', lastSeq: 0 });
    rt.fire('connected');
    sync([], { state: ConversationState.Active, media: media('m1') });
    await flush();
    expect(rt.take('media.join')).toEqual([{ type: 'media.join', conversationId: 'c1', peerId: 'peer-2' }]);
    again.close();
  });

  it('mic and camera settings apply to the local tracks, also to media started later', async () => {
    const s = session({ conversationId: 'c1' });
    s.setCamera(false);
    active(media('m1'));
    await flush();
    expect(streams[0]!.tracks.map((t) => t.enabled)).toEqual([true, false]);
    s.setMic(false);
    expect(streams[0]!.tracks.map((t) => t.enabled)).toEqual([false, false]);
  });

  it('the signaling credentials expired: a new link joins with the same local media', async () => {
    const s = session({ conversationId: 'c1' });
    active(media('m1'));
    await flush();
    rt.sent.length = 0;
    links[0]!.fire('error', new CounterpartError(ErrorCode.Unauthorized, 'expired'));
    await flush();
    expect(links[0]!.closed).toEqual({ keepLocalTracks: true });
    expect(getLocalMedia).toHaveBeenCalledTimes(1);
    expect(rt.take('media.join')).toEqual([{ type: 'media.join', conversationId: 'c1', peerId: 'peer-2' }]);
    s.close();
  });

  it('close is local: the link closes, the conversation is not ended, nothing more is emitted', async () => {
    const s = session({ conversationId: 'c1' });
    const r = record(s);
    active(media('m1'));
    await flush();
    s.close();
    expect(links[0]!.closed).not.toBeNull();
    expect(rt.sent.some((m) => m.type === 'conversation.end' || m.type === 'media.stop')).toBe(false);
    live(msg(1));
    expect(r.messages).toEqual([]);
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
