/** REST request and response bodies. */
import { z } from 'zod';
import { AgentState, ConversationState, ErrorCode, IssueType, MAX_CHAT_CHARS, MediaKind, RingEndReason, Role } from './constants';
import { ChatMessage, ConversationView, CustomerSummary, MediaSessionView, OrderSummary, ProductSummary } from './shapes';
import { line, prose } from './zod';


export const LoginRequest = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const UserView = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  role: z.enum([Role.Agent, Role.Supervisor, Role.Admin]),
});
export type UserView = z.infer<typeof UserView>;

/**
 * A staff session: a short-lived access token, and a refresh token that is rotated on every use
 * (the old one is refused; reusing it revokes the session). The session ends at `sessionExpiresAt`
 * whatever is refreshed.
 */
export const LoginResponse = z.object({
  token: z.string(),
  expiresAt: z.string(),
  refreshToken: z.string(),
  sessionExpiresAt: z.string(),
  user: UserView,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const RefreshRequest = z.object({ refreshToken: z.string().min(1).max(256) });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

/** POST /api/realtime/ticket: a single-use ticket that opens one realtime socket (`/ws?ticket=`). */
export const RealtimeTicket = z.object({ ticket: z.string(), expiresAt: z.string() });
export type RealtimeTicket = z.infer<typeof RealtimeTicket>;

/** How long a shop's customer signature may live, at most. */
export const MAX_VOUCH_SECONDS = 600;

/**
 * The shop vouches for a signed-in customer: `signature` = hex HMAC-SHA256(identitySecret,
 * customerVouchMessage(...)). It expires (≤ 10 min ahead) and is single-use (the nonce).
 */
export const CustomerVouch = z.object({
  id: z.number().int().positive(),
  /** Unix seconds. */
  expiresAt: z.number().int().positive(),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CustomerVouch = z.infer<typeof CustomerVouch>;

/** The exact text a shop signs: version, site key, customer id, expiry and nonce. */
export function customerVouchMessage(v: { siteKey: string; id: number; expiresAt: number; nonce: string }): string {
  return `counterpart-vouch-v1\n${v.siteKey}\n${v.id}\n${v.expiresAt}\n${v.nonce}`;
}

export const ShopperSessionRequest = z.object({
  siteKey: z.string().min(1).max(64),
  customer: CustomerVouch.optional(),
});
export type ShopperSessionRequest = z.infer<typeof ShopperSessionRequest>;

/** A shopper session, with the ticket for its first realtime socket (no extra round trip). */
export const ShopperSessionResponse = z.object({
  token: z.string(),
  shopperId: z.string(),
  expiresAt: z.string(),
  ticket: RealtimeTicket,
});
export type ShopperSessionResponse = z.infer<typeof ShopperSessionResponse>;

export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** POST /api/rtc/credentials: a peer id bound to the caller and the token that proves it. */
export const RtcCredentials = z.object({
  peerId: z.string(),
  peerToken: z.string(),
  iceServers: z.array(IceServer),
  /** `relay` forces media through TURN (hides both ends' addresses). */
  iceTransportPolicy: z.enum(['all', 'relay']),
  peer: z.object({ path: z.string(), key: z.string() }),
  expiresAt: z.string(),
});
export type RtcCredentials = z.infer<typeof RtcCredentials>;

export const ConversationContext = z.object({
  conversationId: z.string(),
  customer: CustomerSummary.nullable(),
  latestOrder: OrderSummary.nullable(),
  product: ProductSummary.nullable(),
});
export type ConversationContext = z.infer<typeof ConversationContext>;

/**
 * GET /api/conversations/:id/customer — customer 360 for the conversation's agents: the shop's
 * customer with their latest orders, and their earlier conversations here (with ticket and rating).
 */
export const CustomerHistory = z.object({
  customer: CustomerSummary.nullable(),
  orders: z.array(OrderSummary),
  /** The shop could not be asked (the orders are then missing, not empty). */
  shopUnavailable: z.boolean(),
  conversations: z.array(
    z.object({
      id: z.string(),
      channel: z.enum(MediaKind),
      state: z.enum(ConversationState),
      issueType: z.enum(IssueType),
      requestedAt: z.string(),
      endedAt: z.string().nullable(),
      agents: z.array(z.string()),
      ticket: z.object({ id: z.number().int(), status: z.string() }).nullable(),
      rating: z.number().int().nullable(),
    }),
  ),
});
export type CustomerHistory = z.infer<typeof CustomerHistory>;

/** GET /api/conversations/:id: a stored conversation with every step of its life. */
export const ConversationRecord = ConversationView.omit({ lastQos: true }).extend({
  customerId: z.number().int().nullable(),
  productId: z.number().int().nullable(),
  pageUrl: z.string(),
  qosSamples: z.number().int().nonnegative(),
  mediaSessions: z.array(MediaSessionView),
  messages: z.number().int().nonnegative(),
  offers: z.array(
    z.object({ agentId: z.number().int(), startedAt: z.string(), endedAt: z.string().nullable(), outcome: z.enum(RingEndReason).nullable() }),
  ),
});
export type ConversationRecord = z.infer<typeof ConversationRecord>;

/** GET /api/conversations: the latest, newest first. */
export const ConversationList = z.object({ conversations: z.array(ConversationView.omit({ lastQos: true })) });
export type ConversationList = z.infer<typeof ConversationList>;

/** GET /api/conversations/:id/messages?after=N: history for its participants and supervisors. */
export const MessagePage = z.object({ messages: z.array(ChatMessage), more: z.boolean() });
export type MessagePage = z.infer<typeof MessagePage>;

/** GET /api/agents: who can be handed a conversation (agents and supervisors ask), and what they are doing. */
export const AgentDirectory = z.object({
  agents: z.array(z.object({ id: z.number().int(), name: z.string(), state: z.enum(AgentState) })),
});
export type AgentDirectory = z.infer<typeof AgentDirectory>;

export const ErrorBody = z.object({ error: z.object({ code: z.enum(ErrorCode), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A canned response: `/shortcut` in the console's chat puts its text in the message box. */
export const CANNED_SHORTCUT = /^[a-z0-9][a-z0-9_-]{0,31}$/;
export const CannedResponse = z.object({
  id: z.number().int(),
  shortcut: z.string(),
  title: z.string(),
  body: z.string(),
  updatedAt: z.string(),
});
export type CannedResponse = z.infer<typeof CannedResponse>;
export const CannedList = z.object({ responses: z.array(CannedResponse) });
export type CannedList = z.infer<typeof CannedList>;
/** POST /api/canned and PUT /api/canned/:id (supervisors). */
export const CannedInput = z
  .object({
    shortcut: z.string().trim().toLowerCase().regex(CANNED_SHORTCUT, 'shortcut: letters, digits, - and _, up to 32'),
    title: line(120),
    body: prose(MAX_CHAT_CHARS),
  })
  .strict();
export type CannedInput = z.infer<typeof CannedInput>;
