/**
 * Shared by the ConversationSession unit tests (tests/unit/conversation-session-*.test.ts): a
 * session over a fake realtime channel, fake media links and local streams, an event recorder, and
 * the server events the tests play.
 *
 * A test file calls `useSessionFixtures()` once at its top level; `rt`, `links`, `streams` and
 * `getLocalMedia` are live bindings, fresh for each test.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { ConversationSession, type MediaLinkPort } from '../../client/conversation';
import { Emitter } from '../../client/emitter';
import type { MediaLinkEvents } from '../../client/media-link';
import { MediaKind, MediaPath, Role, type ChatMessage, type CounterpartError, type MediaPeer, type Party } from '../../protocol/index';
import { FakeRealtime, view } from './client-fixtures';

export const me: Party = { role: Role.Shopper, id: 's1' };
export const agent: Party = { role: Role.Agent, id: '7' };
export const context = { productId: null, pageUrl: 'https://shop.test/p/1' };
export const base = 'https://cp.test';

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

export let rt: FakeRealtime;
export let links: FakeLink[];
export let streams: ReturnType<typeof fakeStream>[];
export let getLocalMedia: ReturnType<typeof vi.fn<(kind: MediaKind.Voice | MediaKind.Video) => Promise<MediaStream>>>;

/** Replaces the realtime channel with a fresh one (each test gets one; a property run may want one per case). */
export function freshRealtime(): void {
  rt = new FakeRealtime();
}

/** Fresh fakes before each test; real timers and globals after it. */
export function useSessionFixtures(): void {
  beforeEach(() => {
    freshRealtime();
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
}

export function session(over: { conversationId?: string; lastSeq?: number } = {}): ConversationSession {
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
export function record(s: ConversationSession) {
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

export const sync = (messages: ChatMessage[] = [], over: Parameters<typeof view>[0] = {}, more = false) =>
  rt.fire('conversation.sync', { type: 'conversation.sync', conversation: view(over), messages, more });
export const live = (m: ChatMessage) => rt.fire('chat.message', { type: 'chat.message', message: m });
export const reconnect = () => {
  rt.connected = false;
  rt.fire('disconnected', { code: 1006, willRetry: true });
  rt.connected = true;
  rt.fire('connected');
};
