import { AgentState, CounterpartError, ErrorCode, Role, type ConversationView } from '../../../protocol/index';
import type { Logger } from '../log';
import { agentState, agentView, newAgent, type Agent } from './agents';
import type { AgentRow } from './store';
import { DomainEventBus } from './events';
import { conversationView, isLive, participantOf, type Conversation, type Party } from './model';
import type { ConversationStore } from './store';
import { KeyedLock, Timers } from './timers';
import type { QueueLimits } from './admission';

/** How requests are routed (docs/routing.md). */
export type RoutingOptions = {
  /** After a conversation an agent wraps up this long (no offers); 0: no wrap-up. Ready ends it early. */
  wrapUpMs: number;
  /** A request waiting this long goes to any agent with its issue type. */
  widenAfterMs: number;
  /** Chats an agent holds at once, besides one call (an agent's own setting overrides it). */
  maxChats: number;
  /** Conversations an agent holds at once in all (calls and chats). */
  maxConversations: number;
  /** Missed rings in a row that set an agent away. */
  missedRingsAway: number;
};

export type ConversationOptions = {
  routing: RoutingOptions;
  ringTimeoutMs: number;
  ringRetryAfterMs: number;
  reconnectGraceMs: number;
  connectTimeoutMs: number;
  queue: QueueLimits;
};

/** Who is asking: a principal reduced to what the domain needs. */
export type Actor = { party: Party; name: string };

/**
 * What the conversation services share: the store (the truth), the cache of live conversations
 * (memory, reloaded at start), per-conversation locks, deadline timers, agents and the event bus.
 */
export class Core {
  readonly events = new DomainEventBus();
  readonly live = new Map<string, Conversation>();
  readonly agents = new Map<number, Agent>();
  readonly locks = new KeyedLock();
  readonly timers: Timers;
  /** Latest QoS sample per conversation (supervisors' view; samples themselves are stored). */
  readonly lastQos = new Map<string, NonNullable<ConversationView['lastQos']>>();
  closing = false;
  /** Called when the peers of a conversation lose their permission to signal (media or ring ended): the media service retires them. */
  peersEnded: (c: Conversation) => void = () => {};
  /** Called when an agent accepted (after the change is published): a warm connection becomes the call's. */
  ringAccepted: (c: Conversation) => void = () => {};

  constructor(
    readonly store: ConversationStore,
    readonly log: Logger,
    readonly opts: ConversationOptions,
    /** The clock every deadline is computed on (tests drive their own). */
    readonly now: () => number = Date.now,
  ) {
    this.timers = new Timers(now);
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  addAgent(a: { id: number; name: string; email: string }, row: AgentRow | undefined): Agent {
    const agent = newAgent(a, row, this.now());
    this.agents.set(a.id, agent);
    return agent;
  }

  /** Reads an agent's stored status back into the cache (after a compare-and-set lost). */
  async reloadAgent(id: number): Promise<void> {
    const a = this.agents.get(id);
    const row = a && (await this.store.agentRows([id], this.iso())).get(id);
    if (!a || !row) return;
    const fresh = newAgent(a, row, this.now());
    Object.assign(a, { presence: fresh.presence, ringing: fresh.ringing, calls: fresh.calls, chats: fresh.chats, wrapUpUntil: fresh.wrapUpUntil, maxChats: fresh.maxChats, skills: fresh.skills, enrolled: fresh.enrolled });
  }

  /** Chats this agent may hold at once. */
  maxChatsOf(a: Agent): number {
    return a.maxChats ?? this.opts.routing.maxChats;
  }

  /** A live conversation this actor takes part in (present, not left), or `conversation_not_found`. */
  participantIn(actor: Actor, id: string): Conversation {
    const c = this.live.get(id);
    const p = c && participantOf(c, actor.party);
    if (!c || !p || p.leftAt) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation of yours');
    return c;
  }

  /** Runs a change of one conversation under its lock, with the cached copy re-read first. */
  withConversation<T>(id: string, fn: (c: Conversation) => Promise<T>, actor?: Actor): Promise<T> {
    return this.locks.run(id, async () => fn(actor ? this.participantIn(actor, id) : this.requireLive(id)));
  }

  requireLive(id: string): Conversation {
    const c = this.live.get(id);
    if (!c) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation');
    return c;
  }

  /** Reads a conversation back from the database into the cache (after a CAS lost, or a change). */
  async reload(id: string): Promise<Conversation | null> {
    const c = await this.store.load(id);
    if (c && isLive(c)) this.live.set(id, c);
    else this.live.delete(id);
    return c;
  }

  view(c: Conversation): ConversationView {
    return conversationView(c, this.lastQos.get(c.id) ?? null);
  }

  /** The conversation ringing this agent, if any. */
  offeredTo(agentId: number): Conversation | undefined {
    const id = this.agents.get(agentId)?.ringing;
    return id ? this.live.get(id) : undefined;
  }

  agentStateOf(a: Agent): AgentState {
    return agentState(a, this.now());
  }

  /** Publishes an agent's state when it changed (or always, with `force`: a resync for their console). */
  publishAgent(a: Agent, force = false): void {
    const state = this.agentStateOf(a);
    if (state !== a.published) {
      a.published = state;
      a.stateSince = this.iso();
    } else if (!force) return;
    this.events.publish('agent', agentView(a, state), a.presence);
  }

  publishAgents(): void {
    for (const a of this.agents.values()) this.publishAgent(a);
  }

  requireAgent(actor: Actor): Agent {
    const a = actor.party.role === Role.Agent ? this.agents.get(Number(actor.party.id)) : undefined;
    if (!a) throw new CounterpartError(ErrorCode.Forbidden, 'Only agents can do this');
    return a;
  }
}
