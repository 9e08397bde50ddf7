/**
 * The wait a queued shopper is shown, computed rather than invented (docs/routing.md).
 *
 * With `c` agent slots that can take the request all busy, and handle times of mean `H`, a slot
 * frees every `H / c` on average (exponential service: the rate of the next departure of `c`
 * busy servers is `c / H`). A request with `k` requests ahead of it and `f` slots free now waits
 * for `k + 1 − f` departures: `E[W] = A + max(0, k + 1 − f) · H / c`, where `A` is the time an
 * agent takes to answer a ring. This is the conditional expected wait of the M/M/c queue given
 * the position — the quantity Erlang C averages over every position — with `H` and `A` rolling
 * means of what this server measured. A request still waiting when it widens (`widenAfterMs`)
 * goes on at the pace of every slot with its issue type: `T + A + (k + 1 − f − T·c/H) · H / c'`.
 */
import { freeCapacity, isWidened, widensAt, type RoutingRules, type Waiting } from './router';
import { canServe, isCall, type Need, type Skills } from './skills';

/** An agent as the estimate sees them. */
export type Staffed = {
  skills: Skills;
  /** At work: connected and available (busy, ringing or wrapping up included). */
  staffed: boolean;
  /** Could be offered something now: not ringing, not wrapping up. */
  idle: boolean;
  calls: number;
  chats: number;
  maxChats: number;
  /** Conversations they hold at once in all. */
  maxTotal: number;
};

/** Chat slots an agent has: their chat capacity within their total. */
const chatSlots = (a: Staffed): number => Math.min(a.maxChats, a.maxTotal);

/** Slots (call: 1 per agent, chat: capacity per agent) that can take this need: staffed, and free now. */
export function slotsFor(need: Need, widened: boolean, agents: Iterable<Staffed>): { servers: number; free: number } {
  const call = isCall(need.channel);
  let servers = 0;
  let free = 0;
  for (const a of agents) {
    if (!a.staffed || !canServe(a.skills, need, widened)) continue;
    servers += call ? 1 : chatSlots(a);
    if (a.idle) free += freeCapacity(a)[call ? 'call' : 'chat'];
  }
  return { servers, free };
}

export type WaitInputs = {
  /** 1-based place in its queue. */
  position: number;
  servers: number;
  free: number;
  /** Mean time a slot is held per conversation (handle time plus wrap-up). */
  handleMs: number;
  /** Mean time from the first ring to an answer. */
  answerMs: number;
};

/** Expected wait in ms, or null when nobody who can take the request is at work. */
export function expectedWaitMs(i: WaitInputs): number | null {
  if (i.servers <= 0) return null;
  return Math.round(i.answerMs + (Math.max(0, i.position - i.free) * i.handleMs) / i.servers);
}

export type Estimate = {
  /** 1-based place among the waiting requests that compete for the same agents. */
  position: number;
  available: boolean;
  waitMs: number | null;
};

/** Requests alike for the estimate: same channel kind, need and widening. */
const signatureOf = (w: Waiting, widened: boolean): string =>
  `${isCall(w.need.channel) ? 'call' : 'chat'}|${w.need.issueType}|${widened ? '*' : `${w.need.language}|${w.need.categoryIds.join(',')}`}`;

/**
 * The place and expected wait of every waiting request (`waiting` in queue order), given the
 * agents at work and the measured times: `handleMs(call)` the mean time a call or chat slot is
 * held (wrap-up included), `answerMs` the mean time from the first ring to an answer.
 *
 * The requests ahead of one are those earlier in queue order that compete for its agents: each
 * counts with the share of its own slots that are also this request's (a request only this
 * request's agents can take counts 1; one that a second team can take too, less; a call never
 * takes a chat slot). The place shown is that count plus one.
 */
export function estimateQueue(
  waiting: readonly Waiting[],
  agents: readonly Staffed[],
  now: number,
  rules: RoutingRules,
  times: { handleMs: (call: boolean) => number; answerMs: number },
): Map<string, Estimate> {
  type Group = { need: Need; widened: boolean; slots: number[]; servers: number; free: number; ahead: number };
  const groups = new Map<string, Group>();
  const groupOf = new Map<string, Group>();
  for (const w of waiting) {
    const widened = isWidened(w, now, rules);
    const sig = signatureOf(w, widened);
    let g = groups.get(sig);
    if (!g) {
      const call = isCall(w.need.channel);
      // This need's slots per staffed agent (0 when the agent cannot take it).
      const slots = agents.map((a) => (a.staffed && canServe(a.skills, w.need, widened) ? (call ? 1 : chatSlots(a)) : 0));
      groups.set(sig, (g = { need: w.need, widened, slots, ...slotsFor(w.need, widened, agents), ahead: 0 }));
    }
    groupOf.set(w.id, g);
  }
  // Share of group x's slots that group y can use too.
  const list = [...groups.values()];
  const share = new Map<Group, Map<Group, number>>();
  for (const x of list) {
    const row = new Map<Group, number>();
    // Alike requests always queue behind one another, with or without agents at work.
    row.set(x, 1);
    for (const y of list) {
      if (y === x || isCall(x.need.channel) !== isCall(y.need.channel) || x.servers === 0) continue;
      let both = 0;
      x.slots.forEach((n, i) => (both += y.slots[i]! > 0 ? n : 0));
      if (both > 0) row.set(y, both / x.servers);
    }
    share.set(x, row);
  }
  const widest = new Map<string, { servers: number; free: number }>();
  const out = new Map<string, Estimate>();
  for (const w of waiting) {
    const g = groupOf.get(w.id)!;
    const position = Math.floor(g.ahead + 1e-9) + 1;
    const handleMs = times.handleMs(isCall(w.need.channel));
    let waitMs = expectedWaitMs({ position: g.ahead + 1, servers: g.servers, free: g.free, handleMs, answerMs: times.answerMs });
    // Past the widening time any agent with its issue type may take it: the rest of the line moves at their pace.
    const wideKey = `${isCall(w.need.channel) ? 'call' : 'chat'}|${w.need.issueType}`;
    let wide = widest.get(wideKey);
    if (!wide) widest.set(wideKey, (wide = slotsFor(w.need, true, agents)));
    const untilWide = widensAt(w, rules) - now;
    if (!g.widened && untilWide > 0 && wide.servers > 0 && (waitMs === null || waitMs > untilWide + times.answerMs)) {
      const left = Math.max(0, g.ahead + 1 - g.free - (g.servers * untilWide) / handleMs);
      waitMs = Math.round(times.answerMs + untilWide + (left * handleMs) / wide.servers);
    }
    out.set(w.id, { position, available: g.servers > 0 || wide.servers > 0, waitMs });
    // Everyone behind that competes for these slots now has this request ahead of them.
    for (const [other, part] of share.get(g)!) other.ahead += part;
  }
  return out;
}

/** The mean of the last `size` samples (the `initial` value until the first one). */
export class RollingMean {
  private readonly samples: number[] = [];
  private next = 0;
  private sum = 0;

  constructor(
    private readonly size: number,
    private readonly initial: number,
  ) {}

  add(x: number): void {
    if (!Number.isFinite(x) || x < 0) return;
    if (this.samples.length < this.size) this.samples.push(x);
    else {
      this.sum -= this.samples[this.next]!;
      this.samples[this.next] = x;
      this.next = (this.next + 1) % this.size;
    }
    this.sum += x;
  }

  mean(): number {
    return this.samples.length ? this.sum / this.samples.length : this.initial;
  }

  get count(): number {
    return this.samples.length;
  }
}
