/**
 * The one place that decides who is offered what. Pure: it reads a snapshot (waiting requests,
 * free agents, the clock) and returns the offers to try; the dispatcher makes each one a
 * compare-and-set in the database, so a decision taken on stale memory (another node, a
 * concurrent change) is simply not written.
 */
import { canServe, isCall, type Need, type Skills } from './skills';

export type Waiting = {
  id: string;
  vip: number;
  /** Epoch ms. */
  requestedAt: number;
  need: Need;
  /** Agents who refused it (declined, missed) → until when (epoch ms) they are not offered it again. */
  refused?: ReadonlyMap<number, number>;
  /** Transferred to one agent: only they are offered it, until it widens. */
  only?: number;
  /** Epoch ms it has waited since (a transfer puts it back in the queue): widening counts from here; default `requestedAt`. */
  since?: number;
};

export type FreeAgent = {
  id: number;
  /** Epoch ms since the agent has had nothing new: the longest idle is offered first. */
  idleSince: number;
  skills: Skills;
  /** A free call slot (no live call) and a free chat slot (fewer chats than their capacity). */
  canCall: boolean;
  canChat: boolean;
};

/**
 * What an agent may still take under the capacity rule — one call, `maxChats` chats, `maxTotal`
 * conversations in all: free call slots (0 or 1) and free chat slots.
 */
export function freeCapacity(l: { calls: number; chats: number; maxChats: number; maxTotal: number }): { call: number; chat: number } {
  const total = Math.max(0, l.maxTotal - l.calls - l.chats);
  return { call: Math.min(total, l.calls < 1 ? 1 : 0), chat: Math.min(total, Math.max(0, l.maxChats - l.chats)) };
}

export type RoutingRules = {
  /** After this long in the queue a request goes to any agent with its issue type. */
  widenAfterMs: number;
};

/** Queue order: higher VIP level first, then the earlier request, then the id (a total order). */
export function queueOrder(a: Waiting, b: Waiting): number {
  return b.vip - a.vip || a.requestedAt - b.requestedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Longest idle first; the id breaks ties (a total order). */
export function idleOrder(a: FreeAgent, b: FreeAgent): number {
  return a.idleSince - b.idleSince || a.id - b.id;
}

/** When a request widens (epoch ms): `widenAfterMs` after it started waiting, or after its transfer put it back. */
export const widensAt = (w: Waiting, rules: RoutingRules): number => (w.since ?? w.requestedAt) + rules.widenAfterMs;
export const isWidened = (w: Waiting, now: number, rules: RoutingRules): boolean => now >= widensAt(w, rules);

const signature = (w: Waiting, widened: boolean): string =>
  `${w.need.channel}|${w.need.issueType}|${widened ? '*' : `${w.need.language}|${w.need.categoryIds.join(',')}|${w.only ?? ''}`}`;

/** May this agent take this request now? Its skills (or, transferred to one agent, that agent), until it widens. */
const eligible = (a: FreeAgent, w: Waiting, widened: boolean): boolean =>
  w.only !== undefined && !widened ? a.id === w.only : canServe(a.skills, w.need, widened);

/**
 * The offers to make now: requests in queue order, each to the longest-idle free agent who has
 * its skills and a free slot for its channel and did not refuse it lately. An agent rings for
 * one request at a time, so each agent appears at most once. A request transferred to one agent
 * goes to that agent only (whatever their skills) until it widens. `waiting` must be in `queueOrder`.
 */
export function assign(
  waiting: readonly Waiting[],
  free: readonly FreeAgent[],
  now: number,
  rules: RoutingRules,
): { request: Waiting; agent: FreeAgent }[] {
  const agents = [...free].sort(idleOrder);
  const out: { request: Waiting; agent: FreeAgent }[] = [];
  // A need no free agent meets stays unmet for the rest of this pass (agents only leave the list).
  const unmet = new Set<string>();
  for (const w of waiting) {
    if (agents.length === 0) break;
    const widened = isWidened(w, now, rules);
    const sig = signature(w, widened);
    const refusals = w.refused && [...w.refused.values()].some((until) => until > now);
    if (!refusals && unmet.has(sig)) continue;
    const call = isCall(w.need.channel);
    const i = agents.findIndex(
      (a) => (call ? a.canCall : a.canChat) && eligible(a, w, widened) && !((w.refused?.get(a.id) ?? 0) > now),
    );
    if (i < 0) {
      if (!refusals) unmet.add(sig);
      continue;
    }
    out.push({ request: w, agent: agents[i]! });
    agents.splice(i, 1);
  }
  return out;
}
