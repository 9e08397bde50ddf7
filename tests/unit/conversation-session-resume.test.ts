/** ConversationSession over a fake realtime channel: start and resume, errors of its own conversation, terminal and foreign conversations. */
import { describe, expect, it } from 'vitest';
import { ConversationState, CounterpartError, ErrorCode, MediaKind } from '../../protocol/index';
import { msg, seqs } from './client-fixtures';
import { context, live, reconnect, record, rt, session, sync, useSessionFixtures } from './session-fixtures';

useSessionFixtures();

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
