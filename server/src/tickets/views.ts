import {
  MAX_TICKET_FILES,
  Role,
  ShopperTicketView,
  TICKET_TRANSCRIPT_LIMIT,
  TERMINAL_STATES,
  TicketList,
  TicketView,
  type ConversationState,
  type MediaKind,
  type TicketStatus,
} from '../../../protocol/index';
import { mediaFromRow, type ConversationStore } from '../conversations/store';
import { iso } from '../db/index';
import type { TicketRow, TicketStore } from './store';

type Row = Record<string, unknown>;
/** A ticket shows its latest conversations, at most this many. */
const MAX_CONVERSATIONS_SHOWN = 20;

async function conversationRows(tickets: TicketStore, ticketId: number): Promise<Row[]> {
  return (await tickets.db('conversations').where({ ticket_id: ticketId }).orderBy('requested_at', 'desc').limit(MAX_CONVERSATIONS_SHOWN)).reverse();
}

/** Everything about a ticket, for staff: notes, conversations with calls, transcripts and ratings. */
export async function staffTicketView(tickets: TicketStore, conversations: ConversationStore, t: TicketRow): Promise<TicketView> {
  const { db } = tickets;
  const rows = await conversationRows(tickets, t.id);
  const ids = rows.map((r) => String(r.id));
  const agents: Row[] = ids.length ? await db('participants').whereIn('conversation_id', ids).where({ role: Role.Agent }).orderBy('joined_at') : [];
  const media: Row[] = ids.length ? await db('media_sessions').whereIn('conversation_id', ids).orderBy('started_at') : [];
  const ratings = await tickets.ratingsOf(ids);
  const assignee = t.assigneeId === null ? null : await db('users').where({ id: t.assigneeId }).first<Row | undefined>('id', 'name');
  const convs = [];
  for (const r of rows) {
    const id = String(r.id);
    const { messages, more } = await conversations.messagesAfter(id, 0, TICKET_TRANSCRIPT_LIMIT);
    const seen = new Set<string>();
    convs.push({
      id, channel: r.channel as MediaKind, state: r.state as ConversationState, requestedAt: iso(r.requested_at)!, answeredAt: iso(r.answered_at),
      endedAt: iso(r.ended_at), endReason: r.end_reason ?? null,
      agents: agents.filter((a) => a.conversation_id === id && !seen.has(String(a.party_id)) && seen.add(String(a.party_id))).map((a) => ({ id: Number(a.party_id), name: String(a.name) })),
      media: media.filter((m) => m.conversation_id === id).map((m) => mediaFromRow(m)).map(({ connectDeadline: _d, ...m }) => (void _d, m)),
      transcript: messages,
      transcriptMore: more,
      rating: ratings.get(id) ?? null,
    });
  }
  return TicketView.parse({
    id: t.id, status: t.status, issueType: t.issueType, source: t.source, createdAt: t.createdAt, updatedAt: t.updatedAt, resolvedAt: t.resolvedAt,
    version: t.version, orderId: t.orderId, resolution: t.resolution,
    customer: { id: t.customerId, name: t.customerName, email: t.customerEmail },
    assignee: assignee ? { id: Number(assignee.id), name: String(assignee.name) } : null,
    entries: await tickets.entries(t.id, { notes: true }),
    conversations: convs,
  });
}

/** What the link's holder sees: status, resolution, their messages and files, and which conversations they may still rate. */
export async function shopperTicketView(tickets: TicketStore, t: TicketRow): Promise<ShopperTicketView> {
  const rows = await conversationRows(tickets, t.id);
  const ratings = await tickets.ratingsOf(rows.map((r) => String(r.id)));
  return ShopperTicketView.parse({
    id: t.id, status: t.status, issueType: t.issueType, source: t.source, createdAt: t.createdAt, updatedAt: t.updatedAt, resolvedAt: t.resolvedAt,
    resolution: t.resolution,
    // Staff are named by the name they chose to show shoppers; their notes are not shown.
    entries: await tickets.entries(t.id, { notes: false }),
    conversations: rows.map((r) => {
      const id = String(r.id);
      const rating = ratings.get(id) ?? null;
      return {
        id, channel: r.channel, requestedAt: iso(r.requested_at)!, endedAt: iso(r.ended_at), rating,
        canRate: rating === null && r.answered_at !== null && TERMINAL_STATES.has(r.state as ConversationState),
      };
    }),
    files: { used: await tickets.fileCount(t.id), max: MAX_TICKET_FILES },
  });
}

export async function ticketList(tickets: TicketStore, opts: { status?: TicketStatus; limit: number; assigneeId?: number }): Promise<TicketList> {
  const rows = await tickets.list(opts);
  return TicketList.parse({
    tickets: rows.map((t) => ({
      id: t.id, status: t.status, issueType: t.issueType, source: t.source, createdAt: t.createdAt, updatedAt: t.updatedAt, resolvedAt: t.resolvedAt,
      customerName: t.customerName, assignee: t.assigneeId === null ? null : { id: t.assigneeId, name: t.assigneeName ?? '' }, orderId: t.orderId,
      conversations: t.conversations, rating: t.rating,
    })),
  });
}
