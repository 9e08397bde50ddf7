import type { z } from 'zod';
import {
  CounterpartError,
  ErrorCode,
  Role,
  TERMINAL_STATES,
  TicketSource,
  type ConversationState,
  type OfflineMessageRequest,
  type TicketLink,
} from '../../../protocol/index';
import { actorOf, type Conversations } from '../conversations/service';
import type { Shopper, TicketDesk } from './desk';

type Row = Record<string, unknown>;
export type OfflineMessage = z.output<typeof OfflineMessageRequest>;

const notYours = () => new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation of yours');
const answered = () => new CounterpartError(ErrorCode.InvalidTransition, 'An agent has answered this conversation: it goes on there');

/**
 * Messages left when nobody could take a request (outside business hours, or after waiting with
 * no agent): each becomes a ticket of its own (source `offline`) with the message as its first
 * entry and the name and e-mail given, the customer the shop vouched for if any. The request the
 * shopper waited in ends as abandoned by them and stays on the ticket (its chat is the transcript).
 */
export class OfflineMessages {
  constructor(
    private readonly desk: TicketDesk,
    private readonly conversations: Conversations,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  /** Stores the message as a ticket and answers its signed link (files are added through it). */
  async leave(p: Shopper, m: OfflineMessage, origin: string): Promise<TicketLink> {
    if (m.conversationId) await this.leaveQueue(p, m.conversationId);
    const { store } = this.desk;
    const ticketId = await store.create(
      { siteId: p.siteId, issueType: m.issueType, source: TicketSource.Offline, customerId: p.customerId, customerName: m.name, customerEmail: m.email, shopperId: p.shopperId },
      { author: { role: Role.Shopper, id: p.shopperId, name: m.name }, body: m.text },
      this.now(),
      m.conversationId,
    );
    return this.desk.linkForTicket(ticketId, p.siteId, origin);
  }

  /** The shopper's own request, never answered: ended now (as abandoned by them) while it still waits. */
  private async leaveQueue(p: Shopper, id: string): Promise<void> {
    const row = await this.read(p, id);
    if (TERMINAL_STATES.has(row.state as ConversationState)) return;
    try {
      // Under the conversation's lock: an agent who accepted first keeps it (refused, not hung up).
      // A callback asked for is withdrawn: this message is the follow-up (one ticket, not two).
      await this.conversations.callbacks.withdraw(actorOf(p), id);
      await this.conversations.lifecycle.end(actorOf(p), id, true);
    } catch (err) {
      // Ended meanwhile (the queue's maximum wait, another tab): what counts is how, below.
      if (!(err instanceof CounterpartError) || err.code !== ErrorCode.ConversationNotFound) throw err;
    }
    const after = await this.read(p, id);
    if (!TERMINAL_STATES.has(after.state as ConversationState)) throw answered();
  }

  private async read(p: Shopper, id: string): Promise<Row> {
    const row = await this.desk.store.db('conversations').where({ id }).first<Row | undefined>('shopper_id', 'site_id', 'state', 'answered_at');
    // Unknown and another shopper's look the same.
    if (!row || String(row.shopper_id) !== p.shopperId || Number(row.site_id) !== p.siteId) throw notYours();
    if (row.answered_at !== null && row.answered_at !== undefined) throw answered();
    return row;
  }
}
