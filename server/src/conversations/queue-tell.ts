import { Presence } from '../../../protocol/index';
import { estimateQueue, RollingMean, type Estimate, type Staffed } from '../routing/estimate';
import type { Waiting } from '../routing/router';
import { isCall } from '../routing/skills';
import { AgentQueueView } from './agent-queue';
import { inWrapUp } from './agents';
import type { Core } from './core';
import type { Conversation } from './model';

/** A shopper is told again at most this often while their place or estimate moves. */
export const TELL_EVERY_MS = 1000;
/** The queue is looked at (sorted, estimated) at most this often. */
export const TELL_PASS_MS = 200;
/** Handle and answer times are the mean of this many recent conversations. */
const WINDOW = 100;

type Told = { position: number; available: boolean; waitMs: number | null; at: number };

/** An estimate moved enough to be worth telling: 15 s, or a fifth of what was said. */
const moved = (a: number | null, b: number | null): boolean => (a === null) !== (b === null) || (a !== null && b !== null && Math.abs(a - b) >= Math.max(15_000, b * 0.2));

/**
 * Tells each waiting shopper their place in their queue and the expected wait
 * (server/src/routing/estimate.ts), from recent handle and answer times measured here. Sent when
 * it changes, at most every TELL_EVERY_MS per shopper: a queue of thousands moving by one does not
 * send thousands of messages each time.
 */
export class QueueTeller {
  private readonly told = new Map<string, Told>();
  /** Time a slot is held per conversation, by call or chat (answer → end). */
  readonly handle = { call: new RollingMean(WINDOW, 180_000), chat: new RollingMean(WINDOW, 300_000) };
  /** Time from the first ring to an answer. */
  readonly answer = new RollingMean(WINDOW, 10_000);

  private lastPass = -Infinity;
  /** What agents see of the queue, told in the same pass. */
  readonly agents: AgentQueueView;

  constructor(
    private readonly core: Core,
    /** Every queued conversation as the router sees it, in queue order. */
    private readonly waiting: () => Waiting[],
  ) {
    this.agents = new AgentQueueView(core);
    this.agents.waitingNow = waiting;
  }

  /** Tells every waiting shopper where they stand, soon: at most one look at the queue per TELL_PASS_MS. */
  soon(): void {
    if (this.core.timers.dueAt('queue-tell') !== null) return;
    const at = Math.max(this.core.now(), this.lastPass + TELL_PASS_MS);
    this.core.timers.arm('queue-tell', at, () => {
      this.lastPass = this.core.now();
      const waiting = this.waiting();
      this.tell(waiting, this.lastPass);
      this.agents.soon(waiting, this.lastPass);
    });
  }

  /** Nothing told yet for this conversation: the next look tells it again (a new page, a new state), or it ended. */
  forget(id: string): void {
    this.told.delete(id);
  }

  /** A conversation was answered or ended: its times feed the estimate. */
  measured(c: Pick<Conversation, 'channel' | 'offeredAt' | 'answeredAt' | 'endedAt'>): void {
    if (!c.answeredAt) return;
    if (c.endedAt) this.handle[isCall(c.channel) ? 'call' : 'chat'].add(Date.parse(c.endedAt) - Date.parse(c.answeredAt));
    else if (c.offeredAt) this.answer.add(Date.parse(c.answeredAt) - Date.parse(c.offeredAt));
  }

  /** Every staffed agent as the estimate sees them. */
  private staffed(now: number): Staffed[] {
    const out: Staffed[] = [];
    for (const a of this.core.agents.values()) {
      if (!a.connected || a.presence !== Presence.Available) continue;
      out.push({ skills: a.skills, staffed: true, idle: !a.ringing && !inWrapUp(a, now), calls: a.calls, chats: a.chats, maxChats: this.core.maxChatsOf(a), maxTotal: this.core.opts.routing.maxConversations });
    }
    return out;
  }

  /** The place and expected wait of each waiting request (`waiting` in queue order). */
  estimates(waiting: readonly Waiting[], now: number): Map<string, Estimate> {
    const rules = this.core.opts.routing;
    return estimateQueue(waiting, this.staffed(now), now, rules, {
      handleMs: (call) => this.handle[call ? 'call' : 'chat'].mean() + rules.wrapUpMs,
      answerMs: this.answer.mean(),
    });
  }

  /** Tells every waiting shopper whose place or estimate changed (`waiting` in queue order, all queued). */
  tell(waiting: readonly Waiting[], now: number): void {
    let later = Infinity;
    for (const [id, e] of this.estimates(waiting, now)) {
      const last = this.told.get(id);
      if (last && last.position === e.position && last.available === e.available && !moved(e.waitMs, last.waitMs)) continue;
      if (last && now - last.at < TELL_EVERY_MS) {
        later = Math.min(later, last.at + TELL_EVERY_MS);
        continue;
      }
      const c = this.core.live.get(id);
      if (!c) continue;
      this.told.set(id, { ...e, at: now });
      this.core.events.publish('queued', c, e.position, e.available, e.waitMs);
    }
    if (later < Infinity) this.core.timers.arm('queue-tell', later, () => this.soon());
  }
}
