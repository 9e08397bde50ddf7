/** Shapes shared by REST bodies and realtime messages. */
import { z } from 'zod';
import { AgentState, ConversationState, EndReason, EndedBy, IssueType, MediaEndReason, MediaKind, MediaPath, ParticipantState, Role, UPLOAD_TYPES } from './constants';
import { ms } from './zod';


/** A category of the shop's products (agents' category skills name its id). */
export const ShopCategory = z.object({ id: z.number().int().positive(), name: z.string().max(200) });
export type ShopCategory = z.infer<typeof ShopCategory>;
/** Categories listed for the skills editor, at most. */
export const CATEGORY_LIST_MAX = 100;
export const ShopCategoryList = z.object({ categories: z.array(ShopCategory).max(CATEGORY_LIST_MAX) });
export type ShopCategoryList = z.infer<typeof ShopCategoryList>;

export const ProductSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  permalink: z.string(),
  price: z.string(),
  image: z.string().nullable(),
  /** The shop's categories of the product (routing matches them with agents' category skills). */
  categories: z.array(z.object({ id: z.number().int(), name: z.string() })).max(20).default([]),
});
export type ProductSummary = z.infer<typeof ProductSummary>;

export const CustomerSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  /** VIP level from the shop's customer data by the site's VIP rule: 0 none, higher first in the queue. */
  vip: z.number().int().min(0).max(9).default(0),
});
export type CustomerSummary = z.infer<typeof CustomerSummary>;

export const OrderSummary = z.object({
  id: z.number().int(),
  number: z.string(),
  status: z.string(),
  total: z.string(),
  currency: z.string(),
  createdAt: z.string(),
  items: z.array(z.object({ name: z.string(), quantity: z.number().int() })),
});
export type OrderSummary = z.infer<typeof OrderSummary>;

export const QosSample = z.object({
  rttMs: ms.max(60_000).nullable(),
  jitterMs: ms.max(60_000).nullable(),
  lossPct: z.number().min(0).max(100).nullable(),
  bitrateKbps: ms.max(1_000_000).nullable(),
  /** Local candidate type of the selected pair: host, srflx, prflx or relay. */
  localCandidate: z.enum(['host', 'srflx', 'prflx', 'relay']).nullable(),
  remoteCandidate: z.enum(['host', 'srflx', 'prflx', 'relay']).nullable(),
});
export type QosSample = z.infer<typeof QosSample>;

export const AgentView = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  state: z.enum(AgentState),
  since: z.string(),
  /** Wrap-up ends then (no offers until): null outside wrap-up. */
  wrapUpUntil: z.string().nullable(),
  /** Conversations open now: live calls (0 or 1) and chats. */
  calls: z.number().int().nonnegative(),
  chats: z.number().int().nonnegative(),
});
export type AgentView = z.infer<typeof AgentView>;

/**
 * Who takes part: a role and an id (an agent's user id as text, a shopper's session id). One
 * identity type for every party; `partyKey` gives the owner string used on the server.
 */
export const Party = z.object({ role: z.enum(Role), id: z.string().min(1).max(64) });
export type Party = z.infer<typeof Party>;
export const partyKey = (p: Party): string => `${p.role}:${p.id}`;
export const sameParty = (a: Party, b: Party): boolean => a.role === b.role && a.id === b.id;

export const ParticipantView = z.object({
  party: Party,
  name: z.string(),
  state: z.enum(ParticipantState),
  /** The participant's media path while a media session runs (what its client reports). */
  media: z.enum(MediaPath).nullable(),
  joinedAt: z.string(),
  leftAt: z.string().nullable(),
  /** Highest message seq this participant's client has received / shown. */
  deliveredSeq: z.number().int().nonnegative(),
  readSeq: z.number().int().nonnegative(),
});
export type ParticipantView = z.infer<typeof ParticipantView>;

/** A voice or video session inside a conversation. */
export const MediaSessionView = z.object({
  id: z.string(),
  kind: z.enum([MediaKind.Voice, MediaKind.Video]),
  startedAt: z.string(),
  /** When media first flowed. */
  connectedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endReason: z.enum(MediaEndReason).nullable(),
  /** Resumes after a participant's reload or network loss. */
  resumes: z.number().int().nonnegative(),
});
export type MediaSessionView = z.infer<typeof MediaSessionView>;

/** A conversation with every timestamp of its life: live (to its participants and supervisors) and stored. */
export const ConversationView = z.object({
  id: z.string(),
  state: z.enum(ConversationState),
  /** What the shopper asked for first. */
  channel: z.enum(MediaKind),
  customerName: z.string().nullable(),
  productName: z.string().nullable(),
  /** What the request is about and in which language; the shopper's VIP level (routing reads these). */
  issueType: z.enum(IssueType),
  language: z.string(),
  vip: z.number().int().nonnegative(),
  participants: z.array(ParticipantView),
  /** The media session running now, if any. */
  media: MediaSessionView.nullable(),
  /** A proposal to start voice or video, waiting for the other side's answer. */
  proposal: z.object({ kind: z.enum([MediaKind.Voice, MediaKind.Video]), by: Party }).nullable(),
  requestedAt: z.string(),
  offeredAt: z.string().nullable(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endedBy: z.enum(EndedBy).nullable(),
  endReason: z.enum(EndReason).nullable(),
  /** The shopper asked to be called back (instead of watching the queue) at this time. */
  callbackAt: z.string().nullable(),
  lastQos: QosSample.extend({ at: z.string(), from: Party }).nullable(),
});
export type ConversationView = z.infer<typeof ConversationView>;

export const FileRef = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  name: z.string().max(200),
  type: z.enum(UPLOAD_TYPES),
  size: z.number().int().nonnegative(),
});
export type FileRef = z.infer<typeof FileRef>;

/** One chat message: stored before anyone is told; `seq` orders a conversation's messages from 1. */
export const ChatMessage = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number().int().positive(),
  /** Null for messages from the system (joined, left, media started…). */
  sender: Party.nullable(),
  senderName: z.string(),
  kind: z.enum(['text', 'file', 'system']),
  text: z.string(),
  file: FileRef.nullable(),
  at: z.string(),
  /** The sender's own id for the message: a resend after a reconnect is stored once. */
  clientId: z.string().nullable(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;
