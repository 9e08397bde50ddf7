/**
 * Tickets: what is left behind a conversation (status, issue type, linked order, notes, resolution,
 * the conversations with their calls and transcripts, the shopper's rating), the shopper's view of
 * it through a signed link, and the ratings.
 */
import { z } from 'zod';
import { IssueType, MediaKind, ConversationState, EndReason, Role, UPLOAD_TYPES } from './constants';
import { ChatMessage, MediaSessionView } from './shapes';
import { optionalProse, prose } from './zod';

export enum TicketStatus {
  Open = 'open',
  /** Waiting on someone else (the shopper, the warehouse…). */
  Pending = 'pending',
  Resolved = 'resolved',
}

/** Where a ticket came from. */
export enum TicketSource {
  Conversation = 'conversation',
  /** A message left when nobody could take a request (outside hours, no agent in time). */
  Offline = 'offline',
  /** A callback the console could not make (the shopper's page was gone). */
  Callback = 'callback',
}

export enum TicketEntryKind {
  /** An agent's note: staff only. */
  Note = 'note',
  /** A message from the shopper (the ticket link, an offline message). */
  Message = 'message',
  /** A file the shopper added. */
  File = 'file',
  /** The status changed (`body` is the new status). */
  Status = 'status',
  /** An agent handed the conversation on (`body` is their note for the next agent): staff only. */
  Transfer = 'transfer',
}

export const MAX_NOTE_CHARS = 4000;
export const MAX_RESOLUTION_CHARS = 4000;
export const MAX_RATING_COMMENT_CHARS = 1000;
/** Entries one ticket may hold (a bound on what a link holder can grow). */
export const MAX_TICKET_ENTRIES = 500;
/** Files one ticket may hold. */
export const MAX_TICKET_FILES = 20;
/** Messages of each conversation carried in a ticket's view. */
export const TICKET_TRANSCRIPT_LIMIT = 500;


export const TicketFile = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  name: z.string().max(200),
  type: z.enum(UPLOAD_TYPES),
  size: z.number().int().nonnegative(),
});
export type TicketFile = z.infer<typeof TicketFile>;

export const TicketEntry = z.object({
  id: z.number().int(),
  kind: z.enum(TicketEntryKind),
  /** Null for the system. */
  author: z.object({ role: z.enum(Role), name: z.string() }).nullable(),
  body: z.string(),
  file: TicketFile.nullable(),
  at: z.string(),
});
export type TicketEntry = z.infer<typeof TicketEntry>;

export const Rating = z.object({ score: z.number().int().min(1).max(5), comment: z.string().nullable(), at: z.string() });
export type Rating = z.infer<typeof Rating>;

/** One conversation of a ticket: its calls, transcript and rating. */
export const TicketConversation = z.object({
  id: z.string(),
  channel: z.enum(MediaKind),
  state: z.enum(ConversationState),
  requestedAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endReason: z.enum(EndReason).nullable(),
  agents: z.array(z.object({ id: z.number().int(), name: z.string() })),
  media: z.array(MediaSessionView),
  transcript: z.array(ChatMessage),
  /** More messages than the view carries (GET /api/conversations/:id/messages pages them). */
  transcriptMore: z.boolean(),
  rating: Rating.nullable(),
});
export type TicketConversation = z.infer<typeof TicketConversation>;

const ticketCore = {
  id: z.number().int().positive(),
  status: z.enum(TicketStatus),
  issueType: z.enum(IssueType),
  source: z.enum(TicketSource),
  createdAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().nullable(),
};

/** A ticket in a list. */
export const TicketSummary = z.object({
  ...ticketCore,
  customerName: z.string().nullable(),
  assignee: z.object({ id: z.number().int(), name: z.string() }).nullable(),
  orderId: z.number().int().nullable(),
  conversations: z.number().int().nonnegative(),
  rating: z.number().nullable(),
});
export type TicketSummary = z.infer<typeof TicketSummary>;

/** GET /api/tickets/:id — everything, for staff. `version` guards edits (PATCH sends it back). */
export const TicketView = z.object({
  ...ticketCore,
  version: z.number().int().nonnegative(),
  orderId: z.number().int().nullable(),
  resolution: z.string().nullable(),
  customer: z.object({ id: z.number().int().nullable(), name: z.string().nullable(), email: z.string().nullable() }),
  assignee: z.object({ id: z.number().int(), name: z.string() }).nullable(),
  entries: z.array(TicketEntry),
  conversations: z.array(TicketConversation),
});
export type TicketView = z.infer<typeof TicketView>;

export const TicketList = z.object({ tickets: z.array(TicketSummary) });
export type TicketList = z.infer<typeof TicketList>;

/** PATCH /api/tickets/:id: what changes, against the version read. Resolving ends the agent's wrap-up. */
export const TicketUpdate = z
  .object({
    version: z.number().int().nonnegative(),
    status: z.enum(TicketStatus).optional(),
    issueType: z.enum(IssueType).optional(),
    orderId: z.number().int().positive().max(2 ** 31 - 1).nullable().optional(),
    resolution: optionalProse(MAX_RESOLUTION_CHARS).nullable().optional(),
  })
  .strict()
  .refine((u) => u.status !== undefined || u.issueType !== undefined || u.orderId !== undefined || u.resolution !== undefined, 'nothing to change');
export type TicketUpdate = z.infer<typeof TicketUpdate>;

/** POST /api/tickets/:id/notes (staff) and POST /api/public/ticket/messages (the link holder). */
export const TicketNoteRequest = z.object({ body: prose(MAX_NOTE_CHARS) }).strict();
export type TicketNoteRequest = z.infer<typeof TicketNoteRequest>;

/** What the shopper sees through the link: no notes and no transfer notes; staff appear by the name the shopper saw in the conversation. */
export const ShopperTicketView = z.object({
  ...ticketCore,
  resolution: z.string().nullable(),
  entries: z.array(TicketEntry),
  conversations: z.array(
    z.object({ id: z.string(), channel: z.enum(MediaKind), requestedAt: z.string(), endedAt: z.string().nullable(), rating: Rating.nullable(), canRate: z.boolean() }),
  ),
  files: z.object({ used: z.number().int().nonnegative(), max: z.number().int().positive() }),
});
export type ShopperTicketView = z.infer<typeof ShopperTicketView>;

/** POST /api/shopper/conversations/:id/ticket-link: the signed, expiring link to the conversation's ticket. */
export const TicketLink = z.object({ ticketId: z.number().int().positive(), url: z.string(), token: z.string(), expiresAt: z.string() });
export type TicketLink = z.infer<typeof TicketLink>;

/** POST /api/shopper/conversations/:id/rating and POST /api/public/ticket/rating: once per conversation. */
export const RatingRequest = z
  .object({
    score: z.number().int().min(1).max(5),
    comment: optionalProse(MAX_RATING_COMMENT_CHARS).optional(),
  })
  .strict();
export type RatingRequest = z.infer<typeof RatingRequest>;

/** The ticket link's holder rates one of the ticket's conversations. */
export const PublicRatingRequest = RatingRequest.extend({ conversationId: z.string().uuid() }).strict();
export type PublicRatingRequest = z.infer<typeof PublicRatingRequest>;
