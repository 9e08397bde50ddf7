/** The realtime channel, both directions: conversations, chat, media negotiation, presence. */
import { z } from 'zod';
import {
  AgentState,
  ErrorCode,
  IssueType,
  LANGUAGE_PATTERN,
  MAX_CHAT_CHARS,
  MAX_TRANSFER_NOTE_CHARS,
  MediaKind,
  MediaPath,
  PROTOCOL_VERSION,
  Presence,
  RingEndReason,
  Role,
} from './constants';
import { AgentView, ChatMessage, ConversationView, CustomerSummary, Party, ProductSummary, QosSample } from './shapes';
import { id, optionalProse, prose } from './zod';

const conversationId = id;
const mediaKind = z.enum([MediaKind.Voice, MediaKind.Video]);
/** A client's own message id: 8–64 URL-safe characters. */
const clientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

// ---------------------------------------------------------------------------------------------
// client → server

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('presence.set'), presence: z.enum([Presence.Available, Presence.Away]) }),
  /** A shopper starts a conversation on a channel (chat, voice or video). One at a time. */
  z.object({
    type: z.literal('conversation.start'),
    channel: z.enum(MediaKind),
    /** What it is about (the skill queue) and the shopper's language. */
    issueType: z.enum(IssueType),
    language: z.string().regex(LANGUAGE_PATTERN),
    context: z.object({ productId: z.number().int().positive().nullable(), pageUrl: z.string().max(2048) }),
  }),
  /** After a reload or reconnect: the state and every message after `afterSeq` (answered by `conversation.sync`). */
  z.object({ type: z.literal('conversation.resume'), conversationId, afterSeq: seq }),
  z.object({ type: z.literal('conversation.end'), conversationId }),
  /** A waiting shopper asks to be called back: they need not watch the queue; if they leave first, it becomes a ticket. */
  z.object({ type: z.literal('conversation.callback'), conversationId }),
  z.object({ type: z.literal('offer.accept'), conversationId }),
  z.object({ type: z.literal('offer.decline'), conversationId }),
  /**
   * An agent hands the conversation on: to one agent (`agentId`), or to the queue of an issue type.
   * The agent leaves (and wraps up); the shopper keeps the conversation and its chat; the next
   * agent is offered it with the note.
   */
  z.object({
    type: z.literal('conversation.transfer'),
    conversationId,
    to: z.union([z.object({ agentId: z.number().int().positive() }).strict(), z.object({ issueType: z.enum(IssueType) }).strict()]),
    note: optionalProse(MAX_TRANSFER_NOTE_CHARS),
  }),
  z.object({ type: z.literal('chat.send'), conversationId, clientId, text: prose(MAX_CHAT_CHARS) }),
  z.object({ type: z.literal('chat.typing'), conversationId }),
  /** What this client has received and shown: delivered and read marks for the others. */
  z.object({ type: z.literal('chat.seen'), conversationId, deliveredSeq: seq, readSeq: seq }),
  /** Ask the others to start voice or video (the shopper may also just start it). */
  z.object({ type: z.literal('media.propose'), conversationId, kind: mediaKind }),
  z.object({ type: z.literal('media.answer'), conversationId, accept: z.boolean() }),
  /** Back to chat only. */
  z.object({ type: z.literal('media.stop'), conversationId }),
  /** This client's PeerJS peer (issued by `POST /api/rtc/credentials`) for the running media session or, while a voice/video conversation rings, for its pre-connect. */
  z.object({ type: z.literal('media.join'), conversationId, peerId: id }),
  z.object({ type: z.literal('media.path'), conversationId, path: z.enum(MediaPath) }),
  z.object({ type: z.literal('qos.sample'), conversationId, sample: QosSample }),
  /** Extends this socket's life to a renewed session's token (a fresh ticket of the same owner). */
  z.object({ type: z.literal('session.renew'), ticket: z.string().min(1).max(2048) }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

// ---------------------------------------------------------------------------------------------
// server → client

/** A remote peer of a media session, and whether this client places the PeerJS call to it. */
export const MediaPeer = z.object({ party: Party, name: z.string(), peerId: z.string(), placeCall: z.boolean() });
export type MediaPeer = z.infer<typeof MediaPeer>;

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), protocol: z.literal(PROTOCOL_VERSION), role: z.enum(Role), userId: z.string() }),
  /** A refusal; `conversationId` and `clientId` (of a refused `chat.send`) say what it answers. */
  z.object({ type: z.literal('error'), code: z.enum(ErrorCode), message: z.string(), conversationId: z.string().optional(), clientId: z.string().optional() }),
  /** The session's socket now lives until `expiresAt` (answer to `session.renew`). */
  z.object({ type: z.literal('session.renewed'), expiresAt: z.string() }),
  // to agents
  /** The agent's own state; `wrapUpUntil` while wrapping up (Ready, `presence.set available`, ends it early). */
  z.object({ type: z.literal('agent.self'), state: z.enum(AgentState), presence: z.enum(Presence), wrapUpUntil: z.string().nullable() }),
  z.object({
    type: z.literal('offer'),
    conversationId: z.string(),
    channel: z.enum(MediaKind),
    customer: CustomerSummary.nullable(),
    product: ProductSummary.nullable(),
    /** Messages the shopper typed while waiting. */
    preview: z.array(ChatMessage),
    timeoutMs: z.number(),
    issueType: z.enum(IssueType),
    language: z.string(),
    vip: z.number().int().nonnegative(),
    /** The shopper asked to be called back (their page may be in the background). */
    callback: z.boolean(),
    /** Handed on by another agent, with their note for you. */
    transfer: z.object({ fromName: z.string(), note: z.string() }).nullable(),
  }),
  /** The queue as this agent sees it: how many wait, how many this agent could take, since when the longest waits. */
  z.object({ type: z.literal('queue.stats'), waiting: z.number().int().nonnegative(), mine: z.number().int().nonnegative(), oldestAt: z.string().nullable() }),
  /** The ring stopped; `setAway`: that was the agent's `MISSED_RINGS_AWAY`-th missed ring in a row, so they are away now. */
  z.object({ type: z.literal('offer.end'), conversationId: z.string(), reason: z.enum(RingEndReason), setAway: z.boolean().optional() }),
  // to shoppers
  z.object({
    type: z.literal('conversation.queued'),
    conversationId: z.string(),
    position: z.number().int().positive(),
    /** Whether any agent who can take this request is at work now (not how many). */
    agentAvailable: z.boolean(),
    /**
     * Expected wait from now, computed from the position, the staffed agents with the skills and
     * recent handle times (docs/routing.md); null when no such agent is at work.
     */
    expectedWaitMs: z.number().int().nonnegative().nullable(),
  }),
  // to participants
  /** The whole state, and the messages after the client's `afterSeq` (`more`: ask again for the rest). */
  z.object({ type: z.literal('conversation.sync'), conversation: ConversationView, messages: z.array(ChatMessage), more: z.boolean() }),
  /** The conversation changed (state, participants, media, proposal). To participants and supervisors. */
  z.object({ type: z.literal('conversation.update'), conversation: ConversationView }),
  z.object({ type: z.literal('chat.message'), message: ChatMessage }),
  z.object({ type: z.literal('chat.typing'), conversationId: z.string(), party: Party, name: z.string() }),
  /** The other peers of the running media session (sent again whenever one joins or rejoins). */
  /** The other peers of the running media session; `mediaId: null` while ringing: the warm connection to the ringing agent (no media until accept). */
  z.object({ type: z.literal('media.peers'), conversationId: z.string(), mediaId: z.string().nullable(), kind: mediaKind, peers: z.array(MediaPeer) }),
  // to supervisors
  z.object({ type: z.literal('snapshot'), agents: z.array(AgentView), conversations: z.array(ConversationView) }),
  z.object({ type: z.literal('agent.update'), agent: AgentView }),
  z.object({ type: z.literal('qos.update'), conversationId: z.string(), from: Party, at: z.string(), sample: QosSample }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
export type ClientMessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;
