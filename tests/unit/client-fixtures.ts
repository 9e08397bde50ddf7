/** Fixtures for the client's pure-logic unit tests (tests/unit/message-log.test.ts): chat messages. */
import type { ChatMessage } from '../../protocol/index';

export const msg = (seq: number, over: Partial<ChatMessage> = {}): ChatMessage => ({
  id: `m${seq}`,
  conversationId: 'c1',
  seq,
  sender: null,
  senderName: '',
  kind: 'text',
  text: `text ${seq}`,
  file: null,
  at: '2026-01-01T00:00:00.000Z',
  clientId: null,
  ...over,
});

export const seqs = (ms: readonly ChatMessage[]): number[] => ms.map((m) => m.seq);
