/** REST request and response bodies. */
import { z } from 'zod';
import { ErrorCode, RingEndReason, Role } from './constants';
import { CallTimeline, CustomerSummary, OrderSummary, ProductSummary } from './shapes';


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
export const CallRecord = CallTimeline.extend({
  customerId: z.number().int().nullable(),
  productId: z.number().int().nullable(),
  pageUrl: z.string(),
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
