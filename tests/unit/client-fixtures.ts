/** Fixtures for the client unit tests: messages, views and a realtime channel that records what is sent. */
import { Emitter } from '../../client/emitter';
import type { RealtimeClient, RealtimeEvents } from '../../client/realtime';
import { ConversationState, MediaKind, type ChatMessage, type ClientMessage, type ConversationView } from '../../protocol/index';

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

export const view = (over: Partial<ConversationView> = {}): ConversationView => ({
  id: 'c1',
  state: ConversationState.Queued,
  channel: MediaKind.Chat,
  customerName: null,
  productName: null,
  participants: [],
  media: null,
  proposal: null,
  requestedAt: '2026-01-01T00:00:00.000Z',
  offeredAt: null,
  answeredAt: null,
  endedAt: null,
  endedBy: null,
  endReason: null,
  lastQos: null,
  ...over,
});

/** A RealtimeClient stand-in: `fire` plays a server event, `sent` records what the client sent. */
export class FakeRealtime extends Emitter<RealtimeEvents> {
  connected = true;
  readonly sent: ClientMessage[] = [];

  send(m: ClientMessage): boolean {
    if (!this.connected) return false;
    this.sent.push(m);
    return true;
  }

  fire<K extends keyof RealtimeEvents>(event: K, ...args: Parameters<RealtimeEvents[K]>): void {
    this.emit(event, ...args);
  }

  /** What was sent of one type, and forgets it. */
  take<T extends ClientMessage['type']>(type: T): Extract<ClientMessage, { type: T }>[] {
    const out: Extract<ClientMessage, { type: T }>[] = [];
    for (let i = 0; i < this.sent.length; ) {
      const m = this.sent[i]!;
      if (m.type === type) {
        out.push(m as Extract<ClientMessage, { type: T }>);
        this.sent.splice(i, 1);
      } else i++;
    }
    return out;
  }

  get client(): RealtimeClient {
    return this as unknown as RealtimeClient;
  }
}
