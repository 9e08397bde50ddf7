/**
 * The pure bookkeeping of a conversation's chat on one client: the messages shown (each seq once,
 * in order, no gaps) and the messages sent but not yet confirmed by the server. No I/O.
 */
import { MAX_MESSAGES_PER_CONVERSATION, sameParty, type ChatMessage, type Party } from '../protocol/index';

/**
 * A conversation's messages as one participant holds them. Messages may arrive in any order and
 * any number of times (a live `chat.message` racing a `conversation.sync`, a resend answered with
 * the stored message, a gap filled later): `accept` returns each seq exactly once, in seq order.
 * A message past a gap is held until the gap is filled (the client asks with
 * `conversation.resume { afterSeq: lastSeq }` while `hasGap`).
 */
export class MessageLog {
  private readonly shown: ChatMessage[] = [];
  private readonly held = new Map<number, ChatMessage>();
  private last: number;

  /** `lastSeq`: messages up to this seq were already shown (e.g. before a reload). */
  constructor(lastSeq = 0) {
    this.last = Math.max(0, Math.floor(lastSeq));
  }

  /** The highest seq shown: every seq up to it was shown, in order. */
  get lastSeq(): number {
    return this.last;
  }

  /** What this log holds of the conversation, in seq order (at most MAX_MESSAGES_PER_CONVERSATION). */
  get messages(): readonly ChatMessage[] {
    return this.shown;
  }

  /** Messages wait past a missing seq: ask the server for what follows `lastSeq`. */
  get hasGap(): boolean {
    return this.held.size > 0;
  }

  /** Takes delivered messages (any order, duplicates allowed); returns the ones to show now, in seq order. */
  accept(batch: readonly ChatMessage[]): ChatMessage[] {
    for (const m of batch) {
      // Held messages are bounded by a window past `lastSeq`: one further is dropped here and
      // fetched again by the resume that fills the gap (the message that fills it always fits).
      if (m.seq > this.last && m.seq <= this.last + MAX_MESSAGES_PER_CONVERSATION) this.held.set(m.seq, m);
    }
    const out: ChatMessage[] = [];
    for (let next = this.held.get(this.last + 1); next; next = this.held.get(this.last + 1)) {
      this.held.delete(next.seq);
      this.last = next.seq;
      out.push(next);
    }
    this.shown.push(...out);
    if (this.shown.length > MAX_MESSAGES_PER_CONVERSATION) this.shown.splice(0, this.shown.length - MAX_MESSAGES_PER_CONVERSATION);
    return out;
  }
}

/** A message this client sent and the server has not confirmed yet. */
export type PendingMessage = { readonly clientId: string; readonly text: string; readonly at: string };

/** 16 random bytes, URL-safe base64 (22 characters): a `chat.send` clientId. Works outside secure contexts. */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Sent messages waiting for their `chat.message`: resent (same clientId, stored once by the
 * server) after a reconnect, dropped when the server's copy arrives.
 */
export class Outbox {
  private items: PendingMessage[] = [];

  get list(): readonly PendingMessage[] {
    return this.items;
  }

  add(text: string, clientId: string = newClientId(), at: string = new Date().toISOString()): PendingMessage {
    const p: PendingMessage = { clientId, text, at };
    this.items = [...this.items, p];
    return p;
  }

  /** Drops what these messages from `me` confirm; true when the list changed. */
  settle(messages: readonly ChatMessage[], me: Party): boolean {
    const done = new Set<string>();
    for (const m of messages) if (m.clientId !== null && m.sender !== null && sameParty(m.sender, me)) done.add(m.clientId);
    const left = this.items.filter((p) => !done.has(p.clientId));
    if (left.length === this.items.length) return false;
    this.items = left;
    return true;
  }

  /** Drops one the server refused (its `error` names the clientId); true when it was there. */
  drop(clientId: string): boolean {
    const left = this.items.filter((p) => p.clientId !== clientId);
    if (left.length === this.items.length) return false;
    this.items = left;
    return true;
  }

  clear(): boolean {
    if (this.items.length === 0) return false;
    this.items = [];
    return true;
  }
}
