import type { Waiting } from '../routing/router';
import { canServe, isCall } from '../routing/skills';
import { isWidened } from '../routing/router';
import type { Core } from './core';

/** An agent is told the queue at most this often. */
export const AGENT_TELL_EVERY_MS = 1000;

export type QueueStats = { waiting: number; mine: number; oldestAt: string | null };

/**
 * What each connected agent sees of the queue: how many wait, how many of them this agent could
 * take (their skills, widened after the widening time, or transferred to them), and since when the
 * longest has waited. Requests are grouped by need first, so a pass costs agents × kinds of need,
 * not agents × requests. Told on change, at most every AGENT_TELL_EVERY_MS per agent.
 */
export class AgentQueueView {
  private readonly told = new Map<number, { key: string; at: number }>();

  constructor(private readonly core: Core) {}

  /** This agent is told again at the next pass (their console connected). */
  forget(agentId: number): void {
    this.told.delete(agentId);
  }

  private lastPass = -Infinity;

  /**
   * Looks at the queue for agents at most every AGENT_TELL_EVERY_MS (an agent is told at most
   * that often anyway): the shoppers' passes run more often, and a pass costs agents × needs.
   */
  soon(waiting: readonly Waiting[], now: number): void {
    if (now - this.lastPass >= AGENT_TELL_EVERY_MS) return this.tell(waiting, now);
    if (this.core.timers.dueAt('agent-queue') === null) this.core.timers.arm('agent-queue', this.lastPass + AGENT_TELL_EVERY_MS, () => this.tell(this.waitingNow(), this.core.now()));
  }

  tell(waiting: readonly Waiting[], now: number): void {
    this.lastPass = now;
    const rules = this.core.opts.routing;
    const groups = new Map<string, { w: Waiting; widened: boolean; n: number }>();
    const directed = new Map<number, number>();
    let oldest = Infinity;
    for (const w of waiting) {
      oldest = Math.min(oldest, w.requestedAt);
      const widened = isWidened(w, now, rules);
      if (w.only !== undefined && !widened) {
        directed.set(w.only, (directed.get(w.only) ?? 0) + 1);
        continue;
      }
      const key = `${isCall(w.need.channel)}|${w.need.issueType}|${widened ? '*' : `${w.need.language}|${w.need.categoryIds.join(',')}`}`;
      const g = groups.get(key);
      if (g) g.n++;
      else groups.set(key, { w, widened, n: 1 });
    }
    const oldestAt = oldest < Infinity ? new Date(oldest).toISOString() : null;
    let later = Infinity;
    for (const a of this.core.agents.values()) {
      // Not connected: told afresh when the console is back.
      if (!a.connected) {
        this.told.delete(a.id);
        continue;
      }
      let mine = directed.get(a.id) ?? 0;
      for (const g of groups.values()) if (canServe(a.skills, g.w.need, g.widened)) mine += g.n;
      const stats: QueueStats = { waiting: waiting.length, mine, oldestAt };
      const key = `${stats.waiting}|${mine}|${oldestAt}`;
      const last = this.told.get(a.id);
      if (last?.key === key) continue;
      if (last && now - last.at < AGENT_TELL_EVERY_MS) {
        later = Math.min(later, last.at + AGENT_TELL_EVERY_MS);
        continue;
      }
      this.told.set(a.id, { key, at: now });
      this.core.events.publish('queueStats', a.id, stats);
    }
    if (later < Infinity) this.core.timers.arm('agent-queue', later, () => this.tell(this.waitingNow(), this.core.now()));
  }

  /** Set by the queue teller: the queue as the router sees it now. */
  waitingNow: () => Waiting[] = () => [];
}
