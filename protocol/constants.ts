/** Constants, paths and enums of the wire protocol. */
export const PROTOCOL_VERSION = 5;

/** Paths shared by the server and every client. */
export const Paths = {
  realtime: '/ws',
  peer: '/peerjs',
  /** PeerJS appends `/peerjs` to its `path` option for the WebSocket. */
  peerSocket: '/peerjs/peerjs',
  peerKey: 'peerjs',
  widgetLoader: '/widget.js',
  dashboard: '/dashboard/',
  /** The shopper's ticket page; its link carries the token in the fragment. */
  ticketPage: '/ticket/',
} as const;

/** Signaling messages above this size are refused by the PeerServer (the socket is closed). */
export const MAX_SIGNAL_BYTES = 64 * 1024;
/** Realtime channel messages above this size are refused. */
export const MAX_REALTIME_BYTES = 16 * 1024;
/** Chat text, in characters. */
export const MAX_CHAT_CHARS = 2000;
/** Chats an agent may hold at once besides one call (the capacity's N), at most. */
export const MAX_AGENT_CHATS = 20;
/** Conversations an agent's console holds at once, at most: one call plus `MAX_AGENT_CHATS` chats (as tabs). */
export const CONSOLE_MAX_CONVERSATIONS = 1 + MAX_AGENT_CHATS;
/** An agent's note to the next agent when transferring. */
export const MAX_TRANSFER_NOTE_CHARS = 1000;
/** Messages one conversation may hold (a bound on what a client can grow). */
export const MAX_MESSAGES_PER_CONVERSATION = 2000;
/** Messages per `conversation.sync`; the client asks again for the rest. */
export const SYNC_PAGE = 200;
/** Uploads: size cap and the types accepted (images are previewed inline). */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
/** WooCommerce's order statuses (the shop adapter passes them through; agents read them translated). */
export const ORDER_STATUSES = ['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'checkout-draft'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'] as const;
export type UploadType = (typeof UPLOAD_TYPES)[number];
/** How often both ends of a call report getStats() samples. */
export const QOS_INTERVAL_MS = 2000;

export enum ErrorCode {
  BadRequest = 'bad_request',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  InvalidCredentials = 'invalid_credentials',
  OriginNotAllowed = 'origin_not_allowed',
  UnknownSite = 'unknown_site',
  InvalidIdentity = 'invalid_identity',
  /** No such conversation, or not one of yours. */
  ConversationNotFound = 'conversation_not_found',
  /** The conversation is not offered to you (any more). */
  NotOffered = 'not_offered',
  /** You already have a conversation going. */
  AlreadyInConversation = 'already_in_conversation',
  /** The conversation is not in a state that allows this (see the transition table). */
  InvalidTransition = 'invalid_transition',
  /** Too large (a message, an upload, a history). */
  TooLarge = 'too_large',
  /** An upload of a type that is not accepted. */
  UnsupportedType = 'unsupported_type',
  PeerNotOwned = 'peer_not_owned',
  ShopUnavailable = 'shop_unavailable',
  RateLimited = 'rate_limited',
  /** Too many failed sign-ins for this account: wait, then try again. */
  AccountLocked = 'account_locked',
  /** The agent is in another call: a call here can start when it ends. */
  AgentInCall = 'agent_in_call',
  /** Someone changed it since you read it (a ticket's version), or it is done already (a rating). */
  Conflict = 'conflict',
  /** The queue for this shop is full: try again later. */
  QueueFull = 'queue_full',
  /** The shop is closed now (outside its business hours): leave a message instead. */
  Closed = 'closed',
  /** The server is shutting down or saturated: try again shortly. */
  Unavailable = 'unavailable',
  Internal = 'internal',
}

export enum Role {
  Agent = 'agent',
  Supervisor = 'supervisor',
  /** Runs the service: agents, skills, capacity, hours, routing settings (every change audited). */
  Admin = 'admin',
  Shopper = 'shopper',
}

/** The roles of staff accounts. */
export type StaffRole = Role.Agent | Role.Supervisor | Role.Admin;
export const STAFF_ROLES: readonly StaffRole[] = [Role.Agent, Role.Supervisor, Role.Admin];

/** What an agent chose. */
export enum Presence {
  Available = 'available',
  Away = 'away',
  Offline = 'offline',
}

/** What an agent is doing, as the supervisor sees it. */
export enum AgentState {
  Available = 'available',
  Away = 'away',
  Offline = 'offline',
  Ringing = 'ringing',
  Busy = 'busy',
  /** After a conversation: notes and follow-up; no offers until it ends (its length, or Ready). */
  WrapUp = 'wrap_up',
}

/** What a shopper's request is about: the skill queue it waits in. */
export enum IssueType {
  PreSale = 'pre_sale',
  Order = 'order',
  AfterSales = 'after_sales',
  Technical = 'technical',
}

/** A language as a primary subtag (`en`, `zh`): what a request is in and what an agent speaks. */
export const LANGUAGE_PATTERN = /^[a-z]{2,3}$/;
/** An agent skill's level, 1 (can) to 5 (expert). */
export const MAX_SKILL_LEVEL = 5;
/** A category skill that covers every product category. */
export const ANY_CATEGORY = '*';

/**
 * The life of a conversation. `queued` waits for an agent, `offered` rings one, `active` has an
 * agent; the three terminal states say how it ended. The transition table lives on the server
 * (`server/src/conversations/states.ts`).
 */
export enum ConversationState {
  Queued = 'queued',
  Offered = 'offered',
  Active = 'active',
  /** Ended after an agent took it (hang-up, a party gone past the grace, a shutdown). */
  Closed = 'closed',
  /** The shopper left (or cancelled) before an agent took it. */
  Abandoned = 'abandoned',
  /** No agent took it within the shop's maximum wait. */
  TimedOut = 'timed_out',
}

export const TERMINAL_STATES: ReadonlySet<ConversationState> = new Set([ConversationState.Closed, ConversationState.Abandoned, ConversationState.TimedOut]);

/** A participant's link to the conversation: its realtime connection. */
export enum ParticipantState {
  Connected = 'connected',
  /** Its connection dropped; the conversation waits for it until the reconnect grace ends. */
  Reconnecting = 'reconnecting',
  Left = 'left',
}

/** A participant's media path, as that participant's client reports it. */
export enum MediaPath {
  Connecting = 'connecting',
  Flowing = 'flowing',
  /** No media arrives (ICE disconnected, stalled): the client is restoring it. */
  Reconnecting = 'reconnecting',
}

/** The channel of a conversation: chat always; voice or video while a media session runs. */
export enum MediaKind {
  Video = 'video',
  Voice = 'voice',
  Chat = 'chat',
}

export enum EndedBy {
  Shopper = 'shopper',
  Agent = 'agent',
  System = 'system',
}

export enum EndReason {
  Hangup = 'hangup',
  /** The shopper left before an agent answered. */
  Abandoned = 'abandoned',
  /** A party's realtime connection dropped and did not come back. */
  Disconnected = 'disconnected',
  ServerShutdown = 'server_shutdown',
  /** Accepted, but media never flowed (ICE failed) within the connect timeout. */
  ConnectFailed = 'connect_failed',
  /** Waited in the queue longer than the shop's maximum wait. */
  QueueTimeout = 'queue_timeout',
  /** The server stopped without ending the call (crash, kill): closed when it started again. */
  ServerRestart = 'server_restart',
}

/** Why a media session (voice or video inside a conversation) ended; the conversation goes on in chat. */
export enum MediaEndReason {
  Stopped = 'stopped',
  Declined = 'declined',
  ConnectFailed = 'connect_failed',
  ConversationEnded = 'conversation_ended',
}

/** How an offer to one agent ended. */
export enum RingEndReason {
  Declined = 'declined',
  Timeout = 'timeout',
  /** The shopper left before the agent answered. */
  Cancelled = 'cancelled',
  /** The agent set themselves away. */
  AgentAway = 'agent_away',
  /** The agent's console disconnected. */
  AgentGone = 'agent_gone',
  /** The request waited longer than the shop's maximum wait. */
  Expired = 'expired',
  Accepted = 'accepted',
  ServerRestart = 'server_restart',
}

/**
 * Close codes of the realtime channel (4000–4999 are ours). Oversize frames close with 1009 and
 * invalid UTF-8 with 1007, as RFC 6455 says.
 */
export enum CloseCode {
  /** The session expired or was revoked (signed out, refresh reused): get a new ticket or sign in. */
  Unauthorized = 4401,
  Replaced = 4409,
  /** Repeated invalid messages. */
  PolicyViolation = 4400,
  /** Too many messages, or the client reads too slowly: reconnect later. */
  TooManyMessages = 4429,
  ServerShutdown = 4503,
}

/** Realtime tickets are single-use and this short-lived; the socket they open lives until the session's token expires. */
export const TICKET_TTL_SECONDS = 30;
