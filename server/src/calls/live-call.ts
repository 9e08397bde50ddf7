import { randomUUID } from 'node:crypto';
import { CallState, type CallView, type ClientMessageOf, type CustomerSummary, type EndReason, type EndedBy, type ProductSummary } from '../../../protocol/index';
import type { Agent } from './agents';

/** A call that has not ended yet, as the call service holds it in memory. */
export type ActiveCall = {
  id: string;
  state: CallState;
  media: ClientMessageOf<'call.request'>['media'];
  siteId: number;
  /** The budget key of the shopper's address: one network holds only a share of a site's queue. */
  net: string;
  shopperOwner: string;
  /** Minted with the request; the shopper proves it with a peer token from `POST /api/rtc/credentials`. */
  shopperPeerId: string;
  customer: CustomerSummary | null;
  product: ProductSummary | null;
  agentId: number | null;
  agentPeerId: string | null;
  /** Agents who declined or missed this request → when they may be rung for it again. */
  tried: Map<number, number>;
  /** Wake-ups to offer the request again to agents who declined or missed it. */
  retryTimers: Set<NodeJS.Timeout>;
  ring: { agentId: number; attemptId: Promise<number>; timer: NodeJS.Timeout } | null;
  requestedAt: string;
  ringingAt: string | null;
  answeredAt: string | null;
  mediaAt: string | null;
  lastQos: CallView['lastQos'];
  /** Ends an accepted call whose media never flows. */
  connectTimer: NodeJS.Timeout | null;
  /** When each party last reported QoS (samples faster than the interval are dropped). */
  lastQosAt: Map<string, number>;
  /** Parties whose realtime connection is gone, with the timer that ends the call. */
  dropTimers: Map<string, NodeJS.Timeout>;
  /** Ends the request if no agent has answered within the site's maximum wait. */
  waitTimer: NodeJS.Timeout | null;
  /** What the shopper was last told of the queue: sent again only when it changes. */
  told: { position: number; agentAvailable: boolean } | null;
};

/** A request just made: queued, not yet rung. */
export function newCall(c: Pick<ActiveCall, 'media' | 'siteId' | 'net' | 'shopperOwner' | 'shopperPeerId' | 'customer' | 'product'>): ActiveCall {
  return {
    ...c,
    id: randomUUID(),
    state: CallState.Queued,
    agentId: null,
    agentPeerId: null,
    tried: new Map(),
    retryTimers: new Set(),
    ring: null,
    requestedAt: new Date().toISOString(),
    ringingAt: null,
    answeredAt: null,
    mediaAt: null,
    lastQos: null,
    connectTimer: null,
    lastQosAt: new Map(),
    dropTimers: new Map(),
    waitTimer: null,
    told: null,
  };
}

/** How supervisors see a call. */
export function callView(c: ActiveCall, agents: ReadonlyMap<number, Agent>, ended?: { at: string; by: EndedBy; reason: EndReason }): CallView {
  const agent = c.agentId !== null ? agents.get(c.agentId) : undefined;
  return {
    id: c.id,
    state: ended ? CallState.Ended : c.state,
    media: c.media,
    agentId: c.agentId,
    agentName: agent?.name ?? null,
    customerName: c.customer?.name ?? null,
    productName: c.product?.name ?? null,
    requestedAt: c.requestedAt,
    ringingAt: c.ringingAt,
    answeredAt: c.answeredAt,
    mediaAt: c.mediaAt,
    endedAt: ended?.at ?? null,
    endedBy: ended?.by ?? null,
    endReason: ended?.reason ?? null,
    lastQos: c.lastQos,
  };
}

/** Whether `src` and `dst` are the two peers of one accepted call (who may signal whom). */
export function pairedInCall(calls: Iterable<ActiveCall>, src: string, dst: string): boolean {
  for (const c of calls) {
    if (!c.agentPeerId) continue;
    if ((c.shopperPeerId === src && c.agentPeerId === dst) || (c.agentPeerId === src && c.shopperPeerId === dst)) return true;
  }
  return false;
}
