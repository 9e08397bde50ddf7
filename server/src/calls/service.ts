import { CallState, CounterpartError, EndReason, EndedBy, ErrorCode, Presence, QOS_INTERVAL_MS, RingEndReason, Role } from '../../../protocol/index';
import type { ClientMessageOf, CustomerSummary, ProductSummary, QosSample } from '../../../protocol/index';
import type { Logger } from '../log';
import { ownerOf, type Principal } from '../auth/tokens';
import type { Hub } from '../realtime/hub';
import type { ShopAdapter } from '../shop/adapter';
import { requestContext } from '../shop/context';
import { newAgent, type Agent } from './agents';
import { callView, newCall, pairedInCall, type ActiveCall } from './live-call';
import { Views } from './views';
import { admitRequest, type QueueLimits } from './admission';
import { sanitizePageUrl } from './page-url';
import { mintPeerId, peerOwnedBy } from './peer-ids';
import { pickAgent } from './routing';
import type { CallStore } from './store';

type Shopper = Extract<Principal, { role: Role.Shopper }>;

export type CallServiceOptions = {
  ringTimeoutMs: number;
  ringRetryAfterMs: number;
  reconnectGraceMs: number;
  connectTimeoutMs: number;
  queue: QueueLimits;
};

const nowIso = () => new Date().toISOString();

/**
 * The life of a call: request → queue → ring (next agent on decline or timeout) → accept →
 * media → end. Memory holds the live state (one node); every step is also written to the
 * database with its timestamp. Supervisors get every change.
 */
export class CallService {
  readonly agents = new Map<number, Agent>();
  private readonly views: Views;
  private readonly calls = new Map<string, ActiveCall>();
  private readonly queue: string[] = [];
  /** Shoppers whose call request is being created. */
  private readonly requesting = new Set<string>();
  /** Set at shutdown: no new work is taken. */
  private closing = false;
  /** Told the peer ids of every call that ends (the PeerServer cuts them off). */
  onEnded: (peerIds: string[]) => void = () => {};

  constructor(
    private readonly store: CallStore,
    private readonly hub: Hub,
    private readonly shop: ShopAdapter,
    private readonly log: Logger,
    private readonly opts: CallServiceOptions,
  ) {
    store.onError = (err) => log.error({ err }, 'call store write failed');
    this.views = new Views(hub, this.agents);
  }

  addAgent(a: { id: number; name: string; email: string }): void {
    this.agents.set(a.id, newAgent(a));
  }

  snapshot() {
    return this.views.snapshot(this.calls.values());
  }

  /** Database writes run in the background (in order: one SQLite connection); failures are logged. */
  private write(p: Promise<unknown>) {
    this.store.track(p);
  }

  drain(): Promise<void> {
    return this.store.drain();
  }

  // ---- agents -----------------------------------------------------------------------------


  setPresence(p: Principal, presence: Presence): void {
    const a = this.requireAgent(p);
    // Unchanged: the agent is told (a resync), supervisors are not (no fan-out from repeats).
    if (a.presence === presence) return this.views.self(a);
    a.presence = presence;
    if (presence === Presence.Available) a.idleSince = Date.now();
    if (presence !== Presence.Available && a.ringingCallId) this.endRing(this.calls.get(a.ringingCallId)!, RingEndReason.Cancelled);
    this.views.agent(a);
    this.dispatch();
  }

  /** The agent's last realtime connection closed. */
  agentGone(agentId: number): void {
    const a = this.agents.get(agentId);
    if (!a) return;
    a.presence = Presence.Offline;
    if (a.ringingCallId) this.endRing(this.calls.get(a.ringingCallId)!, RingEndReason.Cancelled);
    if (a.activeCallId) this.partyDropped(this.calls.get(a.activeCallId)!, `agent:${a.id}`, EndedBy.Agent);
    this.views.agent(a);
    this.dispatch();
  }

  /** An agent connected (again): their state, and their call if one goes on. */
  agentConnected(agentId: number): void {
    const a = this.agents.get(agentId);
    if (!a) return;
    const c = a.activeCallId ? this.calls.get(a.activeCallId) : undefined;
    if (c) {
      this.partyBack(c, `agent:${agentId}`);
      this.sendConnect(c, a, Role.Agent);
    }
    this.views.self(a);
  }

  private requireAgent(p: Principal): Agent {
    const a = p.role === Role.Agent ? this.agents.get(p.userId) : undefined;
    if (!a) throw new CounterpartError(ErrorCode.Forbidden, 'Only agents can do this');
    return a;
  }

  // ---- shopper requests -------------------------------------------------------------------

  async request(p: Shopper, msg: ClientMessageOf<'call.request'>): Promise<void> {
    if (this.closing) throw new CounterpartError(ErrorCode.Unavailable, 'The service is restarting; try again in a moment');
    const owner = `shopper:${p.shopperId}`;
    admitRequest(this.calls.values(), { owner, siteId: p.siteId, net: p.net, pending: this.requesting.has(owner) }, this.opts.queue);
    // Reserved while the shop is asked: a second request (another tab, a reconnect) cannot slip in.
    this.requesting.add(owner);
    try {
      await this.createCall(p, owner, msg);
    } finally {
      this.requesting.delete(owner);
    }
  }

  private async createCall(p: Shopper, owner: string, msg: ClientMessageOf<'call.request'>): Promise<void> {
    const { customer, product } = await requestContext(this.shop, this.log, { customerId: p.customerId, productId: msg.context.productId });
    // The shopper left while the shop answered, or the server began to stop: nothing to queue.
    if (!this.hub.isOnline(owner) || this.closing) return;
    const c = newCall({ media: msg.media, siteId: p.siteId, net: p.net, shopperOwner: owner, shopperPeerId: mintPeerId(owner), customer, product });
    this.calls.set(c.id, c);
    this.queue.push(c.id);
    c.waitTimer = setTimeout(() => this.end(c, EndedBy.System, EndReason.QueueTimeout), this.opts.queue.maxWaitMs);
    // Only origin and path of an http(s) page: queries carry order keys and e-mail addresses.
    this.write(this.store.insertCall(c, { siteId: p.siteId, shopperId: p.shopperId, pageUrl: sanitizePageUrl(msg.context.pageUrl) ?? '' }));
    this.views.call(c);
    this.dispatch();
  }

  /**
   * Ring an agent for every queued request that can get one; tell the rest where they stand —
   * each shopper only when their own position (or whether anyone takes calls) changed.
   */
  private dispatch(): void {
    if (this.closing) return;
    let position = 0;
    // Agents who take calls now (some may be ringing or busy): none means "no agent available".
    const agentAvailable = [...this.agents.values()].some((a) => a.presence === Presence.Available);
    for (const id of [...this.queue]) {
      const c = this.calls.get(id)!;
      if (c.state === CallState.Ringing) continue;
      const agent = pickAgent(this.agents.values(), c.tried, Date.now());
      if (agent) this.startRing(c, agent);
      else this.tellQueued(c, ++position, agentAvailable);
    }
  }

  private tellQueued(c: ActiveCall, position: number, agentAvailable: boolean, force = false): void {
    if (!force && c.told?.position === position && c.told.agentAvailable === agentAvailable) return;
    c.told = { position, agentAvailable };
    this.hub.send(c.shopperOwner, { type: 'call.queued', callId: c.id, position, agentAvailable });
  }

  /** Tells one party whom to connect to: the agent places the PeerJS call, the shopper answers. */
  private sendConnect(c: ActiveCall, a: Agent, to: Role.Agent | Role.Shopper): void {
    if (to === Role.Agent)
      this.hub.send(`agent:${a.id}`, { type: 'call.connect', callId: c.id, remotePeerId: c.shopperPeerId, remoteName: c.customer?.name ?? 'Guest shopper', placeCall: true });
    else this.hub.send(c.shopperOwner, { type: 'call.connect', callId: c.id, remotePeerId: c.agentPeerId!, remoteName: a.name, placeCall: false });
  }

  private unqueue(callId: string): void {
    const i = this.queue.indexOf(callId);
    if (i >= 0) this.queue.splice(i, 1);
  }

  private startRing(c: ActiveCall, a: Agent): void {
    const at = nowIso();
    c.state = CallState.Ringing;
    c.ringingAt ??= at;
    a.ringingCallId = c.id;
    const attemptId = this.store.startRing(c.id, a.id, at);
    this.write(attemptId);
    this.write(this.store.updateCall(c.id, { state: c.state, ringing_at: c.ringingAt }));
    const timer = setTimeout(() => this.ringTimedOut(c.id, a.id), this.opts.ringTimeoutMs);
    c.ring = { agentId: a.id, attemptId, timer };
    this.hub.send(`agent:${a.id}`, {
      type: 'call.ring',
      callId: c.id,
      media: c.media,
      customer: c.customer,
      product: c.product,
      timeoutMs: this.opts.ringTimeoutMs,
    });
    this.hub.send(c.shopperOwner, { type: 'call.ringing', callId: c.id });
    c.told = null;
    this.views.agent(a);
    this.views.call(c);
  }

  /** Stops the current ring of a call; the call goes back to waiting unless it was accepted. */
  private endRing(c: ActiveCall, reason: RingEndReason, requeue = true): void {
    if (!c.ring) return;
    const { agentId, attemptId, timer } = c.ring;
    clearTimeout(timer);
    c.ring = null;
    const a = this.agents.get(agentId)!;
    a.ringingCallId = null;
    this.write(attemptId.then((id) => this.store.endRing(id, reason, nowIso())));
    this.hub.send(`agent:${agentId}`, { type: 'call.ring.end', callId: c.id, reason });
    if (reason !== RingEndReason.Accepted && requeue) {
      c.tried.set(agentId, Date.now() + this.opts.ringRetryAfterMs);
      const t = setTimeout(() => {
        c.retryTimers.delete(t);
        this.dispatch();
      }, this.opts.ringRetryAfterMs + 10);
      c.retryTimers.add(t);
      c.state = CallState.Queued;
      this.write(this.store.updateCall(c.id, { state: c.state }));
      this.views.call(c);
    }
    // On accept the agent's next state is busy, published by accept() itself.
    if (reason !== RingEndReason.Accepted) this.views.agent(a);
  }

  private ringTimedOut(callId: string, agentId: number): void {
    const c = this.calls.get(callId);
    if (!c || c.ring?.agentId !== agentId) return;
    // An agent who lets a call ring out is not at the desk: set them away so calls stop ringing there.
    const a = this.agents.get(agentId)!;
    a.presence = Presence.Away;
    this.endRing(c, RingEndReason.Timeout);
    this.dispatch();
  }

  decline(p: Principal, callId: string): void {
    const a = this.requireAgent(p);
    const c = this.calls.get(callId);
    if (!c || c.ring?.agentId !== a.id) throw new CounterpartError(ErrorCode.CallNotRinging, 'This call is not ringing you');
    this.endRing(c, RingEndReason.Declined);
    this.dispatch();
  }

  accept(p: Principal, callId: string, peerId: string): void {
    const a = this.requireAgent(p);
    const c = this.calls.get(callId);
    if (!c || c.ring?.agentId !== a.id) throw new CounterpartError(ErrorCode.CallNotRinging, 'This call is not ringing you');
    if (!peerOwnedBy(peerId, `agent:${a.id}`)) throw new CounterpartError(ErrorCode.PeerNotOwned, 'That peer id was not issued to you');
    this.endRing(c, RingEndReason.Accepted);
    this.unqueue(c.id);
    if (c.waitTimer) clearTimeout(c.waitTimer);
    c.state = CallState.Connecting;
    c.agentId = a.id;
    c.agentPeerId = peerId;
    c.answeredAt = nowIso();
    a.activeCallId = c.id;
    this.write(this.store.updateCall(c.id, { state: c.state, agent_id: a.id, agent_peer_id: peerId, answered_at: c.answeredAt }));
    c.connectTimer = setTimeout(() => this.end(c, EndedBy.System, EndReason.ConnectFailed), this.opts.connectTimeoutMs);
    this.sendConnect(c, a, Role.Agent);
    this.sendConnect(c, a, Role.Shopper);
    this.views.agent(a);
    this.views.call(c);
    this.dispatch();
  }

  // ---- in call ----------------------------------------------------------------------------

  /** The party of a call this principal is, or an error. */
  private partyOf(p: Principal, callId: string): { c: ActiveCall; role: Role.Agent | Role.Shopper } {
    const c = this.calls.get(callId);
    if (c && p.role === Role.Shopper && c.shopperOwner === `shopper:${p.shopperId}`) return { c, role: Role.Shopper };
    if (c && p.role === Role.Agent && c.agentId === p.userId) return { c, role: Role.Agent };
    throw new CounterpartError(ErrorCode.CallNotFound, 'No such call of yours');
  }

  /** What the live call knows about its shopper, for its own parties. */
  contextFor(p: Principal, callId: string): { customer: CustomerSummary | null; product: ProductSummary | null } {
    const { c } = this.partyOf(p, callId);
    return { customer: c.customer, product: c.product };
  }

  mediaFlowing(p: Principal, callId: string): void {
    const { c } = this.partyOf(p, callId);
    if (c.mediaAt || c.state !== CallState.Connecting) return;
    if (c.connectTimer) clearTimeout(c.connectTimer);
    c.connectTimer = null;
    c.mediaAt = nowIso();
    c.state = CallState.Active;
    this.write(this.store.updateCall(c.id, { state: c.state, media_at: c.mediaAt }));
    this.views.call(c);
  }

  qos(p: Principal, callId: string, sample: QosSample): void {
    const { c, role } = this.partyOf(p, callId);
    if (!c.answeredAt) return;
    // Each end samples every QOS_INTERVAL_MS; faster senders are dropped, not stored.
    const last = c.lastQosAt.get(role) ?? 0;
    if (Date.now() - last < QOS_INTERVAL_MS / 2) return;
    c.lastQosAt.set(role, Date.now());
    const at = nowIso();
    c.lastQos = { ...sample, at, from: role };
    this.write(this.store.insertQos(c.id, role, at, sample));
    this.hub.toSupervisors({ type: 'qos.update', callId: c.id, from: role, at, sample });
  }

  hangup(p: Principal, callId: string): void {
    const { c, role } = this.partyOf(p, callId);
    const by = role === Role.Shopper ? EndedBy.Shopper : EndedBy.Agent;
    this.end(c, by, c.answeredAt ? EndReason.Hangup : EndReason.Abandoned);
  }

  private end(c: ActiveCall, by: EndedBy, reason: EndReason): void {
    if (!this.calls.delete(c.id)) return;
    if (c.ring) this.endRing(c, RingEndReason.Cancelled, false);
    if (c.connectTimer) clearTimeout(c.connectTimer);
    if (c.waitTimer) clearTimeout(c.waitTimer);
    for (const t of c.dropTimers.values()) clearTimeout(t);
    for (const t of c.retryTimers) clearTimeout(t);
    this.unqueue(c.id);
    const at = nowIso();
    this.write(this.store.endCall(c.id, at, by, reason));
    this.onEnded([c.shopperPeerId, ...(c.agentPeerId ? [c.agentPeerId] : [])]);
    const ended = { type: 'call.ended', callId: c.id, endedBy: by, reason } as const;
    this.hub.send(c.shopperOwner, ended);
    const a = c.agentId !== null ? this.agents.get(c.agentId) : undefined;
    if (a && a.activeCallId === c.id) {
      a.activeCallId = null;
      a.idleSince = Date.now();
      this.hub.send(`agent:${a.id}`, ended);
      this.views.agent(a);
    }
    this.hub.toSupervisors({ type: 'call.update', call: callView(c, this.agents, { at, by, reason }) });
    this.dispatch();
  }

  // ---- connection loss --------------------------------------------------------------------

  shopperGone(owner: string): void {
    for (const c of this.calls.values()) if (c.shopperOwner === owner) this.partyDropped(c, owner, EndedBy.Shopper);
  }

  /** The shopper is connected again: keep their call, and tell them where it stands. */
  shopperBack(owner: string): void {
    for (const c of this.calls.values()) {
      if (c.shopperOwner !== owner) continue;
      this.partyBack(c, owner);
      const a = c.agentId !== null ? this.agents.get(c.agentId) : undefined;
      if (a && c.agentPeerId) this.sendConnect(c, a, Role.Shopper);
      else if (c.state === CallState.Ringing) this.hub.send(owner, { type: 'call.ringing', callId: c.id });
      else {
        c.told = null;
        this.dispatch();
      }
    }
  }

  /** After a reconnect or a restart: a live call was resynced on connect; a gone one is told how it ended. */
  async resume(p: Principal, callId: string): Promise<void> {
    const live = this.calls.get(callId);
    if (live && (live.shopperOwner === ownerOf(p) || (p.role === Role.Agent && live.agentId === p.userId))) return;
    const ended = await this.store.endedCallOf(callId, p);
    if (!ended) throw new CounterpartError(ErrorCode.CallNotFound, 'That call is not known');
    this.hub.send(ownerOf(p), { type: 'call.ended', callId, ...ended });
  }

  /** The peer id minted for this shopper's live call, if it has one. */
  livePeerOf(owner: string): string | null {
    for (const c of this.calls.values()) if (c.shopperOwner === owner) return c.shopperPeerId;
    return null;
  }

  private partyDropped(c: ActiveCall, owner: string, by: EndedBy): void {
    if (c.dropTimers.has(owner)) return;
    const endIt = () => this.end(c, by, c.answeredAt ? EndReason.Disconnected : EndReason.Abandoned);
    c.dropTimers.set(owner, setTimeout(endIt, this.opts.reconnectGraceMs));
  }

  private partyBack(c: ActiveCall, owner: string): void {
    const t = c.dropTimers.get(owner);
    if (t) clearTimeout(t);
    c.dropTimers.delete(owner);
  }

  /** PeerServer policy: may the owner of `src` signal `dst`? Only the two peers of a live call. */
  maySignal(src: string, dst: string): boolean {
    return pairedInCall(this.calls.values(), src, dst);
  }

  /** Takes no new work from now on, and ends every live call (server shutdown). */
  shutdown(): void {
    this.closing = true;
    for (const c of [...this.calls.values()]) this.end(c, EndedBy.System, EndReason.ServerShutdown);
  }
}
