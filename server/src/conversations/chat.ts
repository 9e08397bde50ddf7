import {
  CounterpartError,
  ErrorCode,
  MAX_MESSAGES_PER_CONVERSATION,
  SYNC_PAGE,
  type ChatMessage,
  type ConversationView,
} from '../../../protocol/index';
import { can, Permission } from '../auth/permissions';
import type { Actor, Core } from './core';
import { participantOf, type Conversation } from './model';

/** Typing notices relayed per participant: at most one a second. */
const TYPING_EVERY_MS = 1000;

/** Chat inside a conversation: stored before anyone is told, in order, once; marks and typing. */
export class Chat {
  private readonly lastTyping = new Map<string, number>();

  constructor(private readonly core: Core) {}

  /** Stores a message and publishes it; a resend (same clientId) gets the stored one back. */
  send(actor: Actor, id: string, clientId: string, text: string): Promise<ChatMessage> {
    return this.core.withConversation(id, (c) => this.append(c, actor, { kind: 'text', text, fileId: null, clientId }), actor);
  }

  /** A file message (the upload is stored by the caller first). */
  sendFile(actor: Actor, id: string, file: { id: string; name: string }): Promise<ChatMessage> {
    return this.core.withConversation(id, (c) => this.append(c, actor, { kind: 'file', text: file.name, fileId: file.id, clientId: null }), actor);
  }

  /** A line from the system (a participant joined, media started…). Call under the conversation's lock. */
  async system(c: Conversation, text: string): Promise<void> {
    await this.store(c, null, { kind: 'system', text, fileId: null, clientId: null });
  }

  private async append(c: Conversation, actor: Actor, m: { kind: ChatMessage['kind']; text: string; fileId: string | null; clientId: string | null }): Promise<ChatMessage> {
    if (c.lastSeq >= MAX_MESSAGES_PER_CONVERSATION) throw new CounterpartError(ErrorCode.TooLarge, 'This conversation has reached its message limit');
    return this.store(c, actor, m);
  }

  private async store(c: Conversation, actor: Actor | null, m: { kind: ChatMessage['kind']; text: string; fileId: string | null; clientId: string | null }): Promise<ChatMessage> {
    const senderName = actor ? (participantOf(c, actor.party)?.name ?? actor.name) : '';
    const r = await this.core.store.appendMessage(c.id, { sender: actor?.party ?? null, senderName, ...m }, this.core.iso());
    if (!r) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation');
    if (r.added) c.lastSeq = r.message.seq;
    // A resend (same clientId) is answered with the stored message too: clients drop seqs they hold.
    this.core.events.publish('message', c, r.message);
    return r.message;
  }

  typing(actor: Actor, id: string): void {
    const c = this.core.participantIn(actor, id);
    const key = `${id}:${actor.party.role}:${actor.party.id}`;
    const now = this.core.now();
    if (now - (this.lastTyping.get(key) ?? 0) < TYPING_EVERY_MS) return;
    this.lastTyping.set(key, now);
    if (this.lastTyping.size > 10_000) this.lastTyping.clear();
    this.core.events.publish('typing', c, actor.party, actor.name);
  }

  /** Moves a participant's delivered/read marks forward (never back, never past the last message). */
  seen(actor: Actor, id: string, deliveredSeq: number, readSeq: number): Promise<void> {
    return this.core.withConversation(
      id,
      async (c) => {
        const p = participantOf(c, actor.party)!;
        const delivered = Math.min(Math.max(p.deliveredSeq, deliveredSeq, readSeq), c.lastSeq);
        const read = Math.min(Math.max(p.readSeq, readSeq), c.lastSeq);
        if (delivered === p.deliveredSeq && read === p.readSeq) return;
        if (!(await this.core.store.updateParticipant(c.id, actor.party, { delivered_seq: delivered, read_seq: read }))) return;
        Object.assign(p, { deliveredSeq: delivered, readSeq: read });
        this.core.events.publish('changed', c);
      },
      actor,
    );
  }

  /**
   * The state of a conversation this actor was part of (live or ended: history stays visible) and
   * its messages after `afterSeq`, a page at a time.
   */
  async sync(actor: Actor, id: string, afterSeq: number): Promise<{ conversation: ConversationView; messages: ChatMessage[]; more: boolean }> {
    const c = this.core.live.get(id) ?? (await this.core.store.load(id));
    const p = c && participantOf(c, actor.party);
    const supervisor = can(actor.party.role, Permission.WatchAll);
    if (!c || (!p && !supervisor)) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation of yours');
    const page = await this.core.store.messagesAfter(id, afterSeq, SYNC_PAGE);
    return { conversation: this.core.view(c), ...page };
  }

  /** May this actor read this conversation's files and history? Its participants (past ones too) and supervisors. */
  async mayRead(actor: Actor, conversationId: string): Promise<boolean> {
    if (can(actor.party.role, Permission.WatchAll)) return true;
    const c = this.core.live.get(conversationId) ?? (await this.core.store.load(conversationId));
    return Boolean(c && participantOf(c, actor.party));
  }
}
