/**
 * The wire protocol of Counterpart: every message type, payload schema and error code that
 * crosses a boundary between the server, the widget, the extension and the dashboard.
 * Everything that talks imports from here; nothing copies these enums.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

/** Paths shared by the server and every client. */
export const Paths = {
  realtime: '/ws',
  peer: '/peerjs',
  /** PeerJS appends `/peerjs` to its `path` option for the WebSocket. */
  peerSocket: '/peerjs/peerjs',
  peerKey: 'peerjs',
  widgetLoader: '/widget.js',
  dashboard: '/dashboard/',
} as const;

/** Signaling messages above this size are refused by the PeerServer (the socket is closed). */
export const MAX_SIGNAL_BYTES = 64 * 1024;
/** Realtime channel messages above this size are refused. */
export const MAX_REALTIME_BYTES = 16 * 1024;
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
  CallNotFound = 'call_not_found',
  CallNotRinging = 'call_not_ringing',
  CallAlreadyRequested = 'call_already_requested',
  PeerNotOwned = 'peer_not_owned',
  ShopUnavailable = 'shop_unavailable',
  RateLimited = 'rate_limited',
  Internal = 'internal',
}

export enum Role {
  Agent = 'agent',
  Supervisor = 'supervisor',
  Shopper = 'shopper',
}

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
}

export enum CallState {
  Queued = 'queued',
  Ringing = 'ringing',
  Connecting = 'connecting',
  Active = 'active',
  Ended = 'ended',
}

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
}

export enum RingEndReason {
  Declined = 'declined',
  Timeout = 'timeout',
  Cancelled = 'cancelled',
  Accepted = 'accepted',
}

// ---------------------------------------------------------------------------------------------
// Shared shapes

const id = z.string().min(1).max(128);
const ms = z.number().finite().nonnegative();

export const ProductSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  permalink: z.string(),
  price: z.string(),
  image: z.string().nullable(),
});
export type ProductSummary = z.infer<typeof ProductSummary>;

export const CustomerSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
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
});
export type AgentView = z.infer<typeof AgentView>;

export const CallView = z.object({
  id: z.string(),
  state: z.enum(CallState),
  media: z.enum(MediaKind),
  agentId: z.number().int().nullable(),
  agentName: z.string().nullable(),
  customerName: z.string().nullable(),
  productName: z.string().nullable(),
  requestedAt: z.string(),
  ringingAt: z.string().nullable(),
  answeredAt: z.string().nullable(),
  mediaAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endedBy: z.enum(EndedBy).nullable(),
  endReason: z.enum(EndReason).nullable(),
  lastQos: QosSample.extend({ at: z.string(), from: z.enum([Role.Agent, Role.Shopper]) }).nullable(),
});
export type CallView = z.infer<typeof CallView>;

// ---------------------------------------------------------------------------------------------
// REST

export const LoginRequest = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const UserView = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  role: z.enum([Role.Agent, Role.Supervisor]),
});
export type UserView = z.infer<typeof UserView>;

export const LoginResponse = z.object({ token: z.string(), expiresAt: z.string(), user: UserView });
export type LoginResponse = z.infer<typeof LoginResponse>;

/** The shop vouches for a signed-in customer with HMAC-SHA256(identitySecret, String(customerId)), hex. */
export const ShopperSessionRequest = z.object({
  siteKey: z.string().min(1).max(64),
  customer: z.object({ id: z.number().int().positive(), signature: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
});
export type ShopperSessionRequest = z.infer<typeof ShopperSessionRequest>;

export const ShopperSessionResponse = z.object({
  token: z.string(),
  shopperId: z.string(),
  expiresAt: z.string(),
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

export const CallContext = z.object({
  callId: z.string(),
  customer: CustomerSummary.nullable(),
  latestOrder: OrderSummary.nullable(),
  product: ProductSummary.nullable(),
});
export type CallContext = z.infer<typeof CallContext>;

/** GET /api/calls/:id: a stored call with every timestamp of its life. */
export const CallRecord = z.object({
  id: z.string(),
  state: z.enum(CallState),
  media: z.enum(MediaKind),
  agentId: z.number().int().nullable(),
  customerId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  productId: z.number().int().nullable(),
  productName: z.string().nullable(),
  pageUrl: z.string(),
  requestedAt: z.string(),
  ringingAt: z.string().nullable(),
  answeredAt: z.string().nullable(),
  mediaAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endedBy: z.enum(EndedBy).nullable(),
  endReason: z.enum(EndReason).nullable(),
  qosSamples: z.number().int().nonnegative(),
  ringAttempts: z.array(
    z.object({ agentId: z.number().int(), startedAt: z.string(), endedAt: z.string().nullable(), outcome: z.enum(RingEndReason).nullable() }),
  ),
});
export type CallRecord = z.infer<typeof CallRecord>;

/** GET /api/calls: the latest calls, newest first. */
export const CallList = z.object({ calls: z.array(CallRecord.omit({ qosSamples: true, ringAttempts: true })) });
export type CallList = z.infer<typeof CallList>;

export const ErrorBody = z.object({ error: z.object({ code: z.enum(ErrorCode), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;

// ---------------------------------------------------------------------------------------------
// Realtime channel: client → server

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('presence.set'), presence: z.enum([Presence.Available, Presence.Away]) }),
  z.object({
    type: z.literal('call.request'),
    media: z.enum(MediaKind),
    peerId: id,
    context: z.object({ productId: z.number().int().positive().nullable(), pageUrl: z.string().max(2048) }),
  }),
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
    agentsAvailable: z.number().int().nonnegative(),
  }),
  z.object({ type: z.literal('call.ringing'), callId: z.string() }),
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

/** Close codes of the realtime channel (4000–4999 are ours). */
export enum CloseCode {
  Unauthorized = 4401,
  Replaced = 4409,
  ServerShutdown = 4503,
}

/** An error with a protocol code, thrown by clients on a failed request. */
export class CounterpartError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CounterpartError';
  }
}

/** A typed JSON request against the Counterpart API, shared by every client. */
export async function apiRequest<T>(
  base: string,
  path: string,
  schema: z.ZodType<T>,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch (cause) {
    throw new CounterpartError(ErrorCode.Internal, `Cannot reach the Counterpart server at ${base}`, undefined, { cause });
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(json);
    if (parsed.success) throw new CounterpartError(parsed.data.error.code, parsed.data.error.message, res.status);
    throw new CounterpartError(ErrorCode.Internal, `HTTP ${res.status} from ${path}`, res.status);
  }
  return schema.parse(json);
}

/** Parse one raw realtime frame from the server; null when it is not a valid message. */
export function parseServerMessage(raw: string): ServerMessage | null {
  try {
    const r = ServerMessage.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
