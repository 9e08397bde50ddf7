import { ConversationState as S, Presence, RingEndReason } from '../../../protocol/index';
import { pickAgent } from './agents';
import type { Core } from './core';
import type { Conversation } from './model';
import { Event, next } from './states';

/**
 * Who is offered what: waiting conversations go to the longest-idle available agent (a CAS in the
 * database, so one request is never offered twice), an offer stops on decline, ring timeout or
 * the agent going away, and each waiting shopper is told its place when it changes.
 */
export class Dispatcher {
  /** Agents who refused a conversation → until when they are not offered it again (per conversation). */
  private readonly refused = new Map<string, Map<number, number>>();
  /** What each waiting shopper was last told: sent again only when it changes. */
  private readonly told = new Map<string, string>();
  private dispatching: Promise<void> | null = null;
  private dispatchAgain = false;

  constructor(private readonly core: Core) {}

  /** At start: agents who refused a live conversation recently (from its stored offers). */
  remember(id: string, refusedAt: Map<number, string>): void {
    if (refusedAt.size) this.refused.set(id, new Map([...refusedAt].map(([a, at]) => [a, Date.parse(at) + this.core.opts.ringRetryAfterMs])));
  }

  /** The conversation ended: nothing to remember about it. */
  forget(id: string): void {
    this.refused.delete(id);
    this.told.delete(id);
  }

  /** Tell this conversation's shopper its place again at the next dispatch (a new page, a new state). */
  retell(id: string): void {
    this.told.delete(id);
  }

  /** Arms the ring timeout of a conversation's current offer (from its stored deadline). */
  armOffer(c: Conversation): void {
    if (c.offerDeadline === null || c.offeredAgentId === null) return;
    const agentId = c.offeredAgentId;
    this.core.timers.arm(`offer:${c.id}`, c.offerDeadline, () => void this.offerTimedOut(c.id, agentId));
  }

  /** The offer to an agent stops without an answer: the conversation waits for the next agent. */
  unoffer(id: string, agentId: number, reason: RingEndReason): Promise<void> {
    return this.core.locks.run(id, () => this.unofferLocked(id, agentId, reason));
  }

  private async unofferLocked(id: string, agentId: number, reason: RingEndReason): Promise<void> {
    const c = this.core.live.get(id);
    if (!c || c.state !== S.Offered || c.offeredAgentId !== agentId) return;
    next(c.state, Event.Unoffer);
    if (!(await this.core.store.unoffer(id, agentId, reason, this.core.iso()))) return void (await this.core.reload(id));
    Object.assign(c, { state: S.Queued, offeredAgentId: null, offerDeadline: null });
    // The warm connection of that ring is closed: its peers may signal no more.
    this.core.peersEnded(c);
    this.core.timers.disarm(`offer:${id}`);
    let refused = this.refused.get(id);
    if (!refused) this.refused.set(id, (refused = new Map()));
    refused.set(agentId, this.core.now() + this.core.opts.ringRetryAfterMs);
    this.told.delete(id);
    this.core.events.publish('offerEnded', c, agentId, reason);
    this.core.events.publish('changed', c);
    const a = this.core.agents.get(agentId);
    if (a) this.core.publishAgent(a);
    this.dispatch();
  }

  /** An agent who lets an offer ring out is not at the desk: set away, so offers stop going there. */
  private offerTimedOut(id: string, agentId: number): Promise<void> {
    return this.core.locks
      .run(id, async () => {
        const a = this.core.agents.get(agentId);
        if (!a || this.core.live.get(id)?.offeredAgentId !== agentId) return;
        if (a.presence !== Presence.Away) {
          await this.core.store.setPresence(a.id, Presence.Away, this.core.iso());
          a.presence = Presence.Away;
        }
        await this.unofferLocked(id, agentId, RingEndReason.Timeout);
      })
      .catch((err: unknown) => this.core.log.error({ err, id }, 'offer timeout handling failed'));
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

  private async dispatchOnce(): Promise<void> {
    const { core } = this;
    const now = this.core.now();
    const waiting = [...core.live.values()].filter((c) => c.state === S.Queued || c.state === S.Offered).sort((x, y) => x.requestedAt.localeCompare(y.requestedAt));
    const agentAvailable = [...core.agents.values()].some((a) => a.connected && a.presence === Presence.Available);
    const free = (a: { id: number }) => !core.activeOf(a.id) && !core.offeredTo(a.id);
    let position = 0;
    let wake = Infinity;
    for (const c of waiting) {
      if (c.state === S.Offered) continue;
      const refused = this.refused.get(c.id) ?? new Map<number, number>();
      const agent = pickAgent(core.agents.values(), free, refused, now);
      if (agent && (await this.offer(c.id, agent.id))) continue;
      for (const until of refused.values()) if (until > now) wake = Math.min(wake, until);
      if (core.live.get(c.id)?.state === S.Queued) this.tellQueued(c, ++position, agentAvailable);
    }
    if (wake < Infinity) core.timers.arm('dispatch', wake + 10, () => this.dispatch());
  }

  private tellQueued(c: Conversation, position: number, agentAvailable: boolean): void {
    const key = `${position}:${agentAvailable}`;
    if (this.told.get(c.id) === key) return;
    this.told.set(c.id, key);
    this.core.events.publish('queued', c, position, agentAvailable);
  }

  private offer(id: string, agentId: number): Promise<boolean> {
    const { core } = this;
    return core.locks.run(id, async () => {
      const c = core.live.get(id);
      const a = core.agents.get(agentId);
      if (!c || !a || !a.connected || a.presence !== Presence.Available || c.state !== S.Queued || core.offeredTo(agentId) || core.activeOf(agentId)) return false;
      next(c.state, Event.Offer);
      const at = this.core.iso();
      const deadline = this.core.now() + core.opts.ringTimeoutMs;
      if (!(await core.store.offer(id, agentId, at, deadline))) {
        await core.reload(id);
        return false;
      }
      Object.assign(c, { state: S.Offered, offeredAgentId: agentId, offerDeadline: deadline, offeredAt: c.offeredAt ?? at });
      this.armOffer(c);
      this.told.delete(id);
      const preview = (await core.store.messagesAfter(id, 0, 20)).messages;
      core.events.publish('offer', c, agentId, preview, core.opts.ringTimeoutMs);
      core.events.publish('changed', c);
      core.publishAgent(a);
      return true;
    });
  }
}
