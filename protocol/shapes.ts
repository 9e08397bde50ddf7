/** Shapes shared by REST bodies and realtime messages. */
import { z } from 'zod';
import { AgentState, CallState, EndReason, EndedBy, MediaKind, Role } from './constants';
import { ms } from './zod';


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

/** A call's identity and the timestamps of its life: live (CallView) and stored (CallRecord). */
export const CallTimeline = z.object({
  id: z.string(),
  state: z.enum(CallState),
  media: z.enum(MediaKind),
  agentId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  productName: z.string().nullable(),
  requestedAt: z.string(),
  ringingAt: z.string().nullable(),
  answeredAt: z.string().nullable(),
  mediaAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endedBy: z.enum(EndedBy).nullable(),
  endReason: z.enum(EndReason).nullable(),
});

export const CallView = CallTimeline.extend({
  agentName: z.string().nullable(),
  lastQos: QosSample.extend({ at: z.string(), from: z.enum([Role.Agent, Role.Shopper]) }).nullable(),
});
export type CallView = z.infer<typeof CallView>;
