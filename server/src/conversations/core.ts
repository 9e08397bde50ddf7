import {
  AgentState,
  ConversationState as S,
  CounterpartError,
  ErrorCode,
  Presence,
  Role,
  type ConversationView,
} from '../../../protocol/index';
import type { Logger } from '../log';
import { agentState, agentView, newAgent, type Agent } from './agents';
import { DomainEventBus } from './events';
import { agentParty, conversationView, isLive, participantOf, type Conversation, type Party } from './model';
import type { ConversationStore } from './store';
import { KeyedLock, Timers } from './timers';
import type { QueueLimits } from './admission';

export type ConversationOptions = {
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

  addAgent(a: { id: number; name: string; email: string }, presence: Presence.Available | Presence.Away): void {
    this.agents.set(a.id, newAgent(a, presence, this.now()));
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

  /** The live conversation an agent is in (active, present), if any. */
  activeOf(agentId: number): Conversation | undefined {
    const party = agentParty(agentId);
    for (const c of this.live.values()) {
      if (c.state !== S.Active) continue;
      const p = participantOf(c, party);
      if (p && !p.leftAt) return c;
    }
    return undefined;
  }

  offeredTo(agentId: number): Conversation | undefined {
    for (const c of this.live.values()) if (c.state === S.Offered && c.offeredAgentId === agentId) return c;
    return undefined;
  }

  agentStateOf(a: Agent): AgentState {
    return agentState(a, this.activeOf(a.id) !== undefined, this.offeredTo(a.id) !== undefined);
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
