import { ConversationState as S, Presence, RingEndReason } from '../../../protocol/index';
import { assign, freeCapacity, isWidened, queueOrder, widensAt, type FreeAgent, type Waiting } from '../routing/router';
import { isCall } from '../routing/skills';
import { inWrapUp, type Agent } from './agents';
import type { Core } from './core';
import type { Conversation } from './model';
import type { OfferWant } from './offer-batch';
import { QueueTeller } from './queue-tell';
import { Event, next } from './states';

/** Offers written per transaction (a pass decides at most one per free agent). */
const OFFER_BATCH = 100;

/** How an offer ends when the agent refused it (not offered it again for a while); a console that dropped is not a refusal. */
export const REFUSALS: readonly RingEndReason[] = [RingEndReason.Declined, RingEndReason.Timeout, RingEndReason.AgentAway];

/** A queued conversation as the router sees it. */
export const waitingOf = (c: Conversation, refused?: ReadonlyMap<number, number>): Waiting => ({
  id: c.id,
  vip: c.vip,
  requestedAt: Date.parse(c.requestedAt),
  need: { channel: c.channel, issueType: c.issueType, language: c.language, categoryIds: c.categoryIds },
  refused,
  ...(c.transfer ? { since: Date.parse(c.transfer.at), ...(c.transfer.toAgentId !== null ? { only: c.transfer.toAgentId } : {}) } : {}),
});

/**
 * Who is offered what. The router (server/src/routing/router.ts) decides from memory; each offer
 * is then a compare-and-set in the database on the conversation and on the agent's row, so a
 * decision taken on a stale cache is not written. An offer stops on decline, ring timeout or the
 * agent going away; each waiting shopper is told its place and expected wait when they change.
 */
export class Dispatcher {
  /** Agents who refused a conversation → until when they are not offered it again (per conversation). */
  private readonly refused = new Map<string, Map<number, number>>();
  readonly queue: QueueTeller;
  private dispatching: Promise<void> | null = null;
  private dispatchAgain = false;
  /** Told each offer's time from its pass's decision to its commit (the routing bench listens). */
  onDecision: ((ms: number) => void) | null = null;

  constructor(private readonly core: Core) {
    this.queue = new QueueTeller(core, () => this.waiting());
  }

  /** At start: agents who refused a live conversation recently (from its stored offers). */
  remember(id: string, refusedAt: Map<number, string>): void {
    if (refusedAt.size) this.refused.set(id, new Map([...refusedAt].map(([a, at]) => [a, Date.parse(at) + this.core.opts.ringRetryAfterMs])));
  }

  /** This agent is not offered this conversation again for a while (they handed it on, or refused it). */
  refuse(id: string, agentId: number): void {
    let refused = this.refused.get(id);
    if (!refused) this.refused.set(id, (refused = new Map()));
    refused.set(agentId, this.core.now() + this.core.opts.ringRetryAfterMs);
  }

  /** The conversation ended: nothing to remember about it. */
  forget(id: string): void {
    this.refused.delete(id);
    this.queue.forget(id);
  }

  /** Tell this conversation's shopper its place again at the next dispatch (a new page, a new state). */
  retell(id: string): void {
    this.queue.forget(id);
  }

  /** Arms the ring timeout of a conversation's current offer (from its stored deadline). */
  armOffer(c: Conversation): void {
    if (c.offerDeadline === null || c.offeredAgentId === null) return;
    const agentId = c.offeredAgentId;
    this.core.timers.arm(`offer:${c.id}`, c.offerDeadline, () => void this.unoffer(c.id, agentId, RingEndReason.Timeout).catch((err: unknown) => this.core.log.error({ err, id: c.id }, 'offer timeout handling failed')));
  }

  /**
   * The offer to an agent stops without an answer: the conversation waits for the next agent. A
   * ring timeout is a missed ring; missing `missedRingsAway` in a row sets the agent away.
   */
  unoffer(id: string, agentId: number, reason: RingEndReason): Promise<void> {
    return this.core.locks.run(id, () => this.unofferLocked(id, agentId, reason));
  }

  private async unofferLocked(id: string, agentId: number, reason: RingEndReason): Promise<void> {
    const { core } = this;
    const c = core.live.get(id);
    if (!c || c.state !== S.Offered || c.offeredAgentId !== agentId) return;
    next(c.state, Event.Unoffer);
    const { ok, away } = await core.store.unoffer(id, agentId, reason, core.iso(), core.opts.routing.missedRingsAway);
    if (!ok) {
      await core.reload(id);
      return void (await core.reloadAgent(agentId));
    }
    Object.assign(c, { state: S.Queued, offeredAgentId: null, offerDeadline: null });
    const a = core.agents.get(agentId);
    if (a) {
      if (a.ringing === id) a.ringing = null;
      if (away) a.presence = Presence.Away;
    }
    // The warm connection of that ring is closed: its peers may signal no more.
    core.peersEnded(c);
    core.timers.disarm(`offer:${id}`);
    if (REFUSALS.includes(reason)) this.refuse(id, agentId);
    // Transferred to this agent, who did not take it: it goes to the issue type's queue.
    if (c.transfer?.toAgentId === agentId) {
      await core.store.clearTransferTarget(id);
      c.transfer.toAgentId = null;
    }
    this.queue.forget(id);
    core.events.publish('offerEnded', c, agentId, reason, away);
    core.events.publish('changed', c);
    if (a) core.publishAgent(a, away);
    this.dispatch();
  }

  /** Offers every waiting conversation that can get an agent; tells the rest where they stand. Coalesced. */
  dispatch(): void {
    if (this.core.closing) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = (async () => {
      do {
        this.dispatchAgain = false;
        await this.dispatchOnce().catch((err: unknown) => this.core.log.error({ err }, 'dispatch failed'));
      } while (this.dispatchAgain && !this.core.closing);
    })().finally(() => (this.dispatching = null));
  }

  async settled(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    do {
      await this.core.locks.idle();
      await this.dispatching;
    } while (this.dispatching);
    await this.core.locks.idle();
  }

  /** Whether an agent could be offered something now (a free slot of some kind). */
  private freeAgent(a: Agent, now: number): FreeAgent | null {
    if (!a.connected || a.presence !== Presence.Available || a.ringing || inWrapUp(a, now)) return null;
    const free = freeCapacity({ calls: a.calls, chats: a.chats, maxChats: this.core.maxChatsOf(a), maxTotal: this.core.opts.routing.maxConversations });
    return free.call || free.chat ? { id: a.id, idleSince: a.idleSince, skills: a.skills, canCall: free.call > 0, canChat: free.chat > 0 } : null;
  }

  /** Every queued conversation as the router sees it, in queue order. */
  waiting(): Waiting[] {
    const out: Waiting[] = [];
    for (const c of this.core.live.values()) if (c.state === S.Queued) out.push(waitingOf(c, this.refused.get(c.id)));
    return out.sort(queueOrder);
  }

  /**
   * One pass: when some agent is free, the router's offers are written (in batches). Waiting
   * shoppers are told their place by the queue teller, at most every few hundred ms, not here:
   * a burst of thousands of requests must not cost a sort of the whole queue per request.
   */
  private async dispatchOnce(): Promise<void> {
    const { core } = this;
    const now = core.now();
    const rules = core.opts.routing;
    this.queue.soon();
    const free: FreeAgent[] = [];
    for (const a of core.agents.values()) {
      const f = this.freeAgent(a, now);
      if (f) free.push(f);
    }
    // Nobody free: nothing to decide (an agent who frees up starts a pass).
    if (free.length === 0) return;
    const decided = performance.now();
    const waiting = this.waiting();
    const pairs = assign(waiting, free, now, rules);
    for (let i = 0; i < pairs.length; i += OFFER_BATCH) await this.offerAll(pairs.slice(i, i + OFFER_BATCH).map((p) => ({ id: p.request.id, agentId: p.agent.id })), decided);
    // Wake up when a refusal lapses or a request widens: a free agent may take it then.
    let wake = Infinity;
    for (const w of waiting) {
      if (!isWidened(w, now, rules)) wake = Math.min(wake, widensAt(w, rules));
      for (const until of w.refused?.values() ?? []) if (until > now) wake = Math.min(wake, until);
    }
    if (wake < Infinity) core.timers.arm('dispatch', wake + 10, () => this.dispatch());
  }

  /**
   * Writes a pass's offers (one transaction, each a compare-and-set: offer-batch.ts) holding the
   * locks of their conversations; then rings each agent.
   */
  private offerAll(list: { id: string; agentId: number }[], decided: number): Promise<void> {
    const { core } = this;
    return core.locks.runMany(list.map((x) => x.id), async () => {
      const now = core.now();
      const wants: OfferWant[] = [];
      for (const x of list) {
        const c = core.live.get(x.id);
        const a = core.agents.get(x.agentId);
        if (c && a && c.state === S.Queued && this.freeAgent(a, now)) wants.push({ id: x.id, agentId: x.agentId, call: isCall(c.channel) });
      }
      const at = core.iso();
      const deadline = now + core.opts.ringTimeoutMs;
      const ok = await core.store.offerMany(wants, at, deadline, now, { maxChats: core.opts.routing.maxChats, maxTotal: core.opts.routing.maxConversations });
      const took = performance.now() - decided;
      for (const w of wants) {
        this.onDecision?.(took);
        const c = core.live.get(w.id)!;
        const a = core.agents.get(w.agentId)!;
        if (!ok.has(w.id)) {
          // Another change (or node) got there first: read both back.
          await core.reload(w.id);
          await core.reloadAgent(w.agentId);
          continue;
        }
        next(c.state, Event.Offer);
        Object.assign(c, { state: S.Offered, offeredAgentId: w.agentId, offerDeadline: deadline, offeredAt: c.offeredAt ?? at });
        a.ringing = w.id;
        this.armOffer(c);
        this.queue.forget(w.id);
        const preview = c.lastSeq > 0 ? (await core.store.messagesAfter(w.id, 0, 20)).messages : [];
        core.events.publish('offer', c, w.agentId, preview, core.opts.ringTimeoutMs);
        core.events.publish('changed', c);
        core.publishAgent(a);
      }
    });
  }
}
