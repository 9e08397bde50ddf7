/** The realtime channel (both directions) and the DataConnection between the two parties. */
import { z } from 'zod';
import { AgentState, EndReason, EndedBy, ErrorCode, MediaKind, PROTOCOL_VERSION, Presence, RingEndReason, Role } from './constants';
import { AgentView, CallView, CustomerSummary, ProductSummary, QosSample } from './shapes';
import { id } from './zod';

// ---------------------------------------------------------------------------------------------
// Realtime channel: client → server

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('presence.set'), presence: z.enum([Presence.Available, Presence.Away]) }),
  /** The shopper's peer id is minted with the request; `POST /api/rtc/credentials` then proves it. */
  z.object({
    type: z.literal('call.request'),
    media: z.enum(MediaKind),
    context: z.object({ productId: z.number().int().positive().nullable(), pageUrl: z.string().max(2048) }),
  }),
  /** After a reconnect: where does this call stand? Answered by a resync, or `call.ended` if it is gone. */
  z.object({ type: z.literal('call.resume'), callId: id }),
  /** Extends this socket's life to a renewed session's token (a fresh ticket of the same owner). */
  z.object({ type: z.literal('session.renew'), ticket: z.string().min(1).max(2048) }),
  z.object({ type: z.literal('call.accept'), callId: id, peerId: id }),
  z.object({ type: z.literal('call.decline'), callId: id }),
  z.object({ type: z.literal('call.media'), callId: id }),
  z.object({ type: z.literal('call.hangup'), callId: id }),
  z.object({ type: z.literal('qos.sample'), callId: id, sample: QosSample }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

// ---------------------------------------------------------------------------------------------
// Realtime channel: server → client

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.literal(PROTOCOL_VERSION),
    role: z.enum(Role),
    userId: z.string(),
  }),
  z.object({ type: z.literal('error'), code: z.enum(ErrorCode), message: z.string(), callId: z.string().optional() }),
  // to agents
  z.object({ type: z.literal('agent.self'), state: z.enum(AgentState), presence: z.enum(Presence) }),
  z.object({
    type: z.literal('call.ring'),
    callId: z.string(),
    media: z.enum(MediaKind),
    customer: CustomerSummary.nullable(),
    product: ProductSummary.nullable(),
    timeoutMs: z.number(),
  }),
  z.object({ type: z.literal('call.ring.end'), callId: z.string(), reason: z.enum(RingEndReason) }),
  // to shoppers
  z.object({
    type: z.literal('call.queued'),
    callId: z.string(),
    position: z.number().int().positive(),
    /** Whether any agent takes calls now (not how many). */
    agentAvailable: z.boolean(),
  }),
  z.object({ type: z.literal('call.ringing'), callId: z.string() }),
  /** The session's socket now lives until `expiresAt` (answer to `session.renew`). */
  z.object({ type: z.literal('session.renewed'), expiresAt: z.string() }),
  // to both parties
  z.object({
    type: z.literal('call.connect'),
    callId: z.string(),
    /** The agent places the PeerJS call; the shopper answers it. */
    remotePeerId: z.string(),
    remoteName: z.string(),
    placeCall: z.boolean(),
  }),
  z.object({
    type: z.literal('call.ended'),
    callId: z.string(),
    endedBy: z.enum(EndedBy),
    reason: z.enum(EndReason),
  }),
  // to supervisors
  z.object({ type: z.literal('snapshot'), agents: z.array(AgentView), calls: z.array(CallView) }),
  z.object({ type: z.literal('agent.update'), agent: AgentView }),
  z.object({ type: z.literal('call.update'), call: CallView }),
  z.object({
    type: z.literal('qos.update'),
    callId: z.string(),
    from: z.enum([Role.Agent, Role.Shopper]),
    at: z.string(),
    sample: QosSample,
  }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
export type ClientMessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;

// ---------------------------------------------------------------------------------------------
// PeerJS DataConnection between the two parties of a call

export const MAX_CHAT_CHARS = 2000;

export const PeerDataMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('chat'), text: z.string().min(1).max(MAX_CHAT_CHARS), at: z.string() }),
]);
export type PeerDataMessage = z.infer<typeof PeerDataMessage>;
