import { AgentState, Presence, type AgentView } from '../../../protocol/index';

/** An agent as this node knows them: the presence they chose (stored) and whether a console is connected here. */
export type Agent = {
  id: number;
  name: string;
  email: string;
  presence: Presence.Available | Presence.Away;
  connected: boolean;
  /** When the agent last became free: longest idle is offered first. */
  idleSince: number;
  stateSince: string;
  /** The state last published (changes are published once). */
  published: AgentState | null;
};

export function newAgent(a: { id: number; name: string; email: string }, presence: Presence.Available | Presence.Away, now: number): Agent {
  return { ...a, presence, connected: false, idleSince: now, stateSince: new Date(now).toISOString(), published: null };
}

/** What an agent is doing, given whether they are in a conversation or being offered one. */
export function agentState(a: Agent, busy: boolean, offered: boolean): AgentState {
  if (busy) return AgentState.Busy;
  if (!a.connected) return AgentState.Offline;
  if (offered) return AgentState.Ringing;
  return a.presence === Presence.Available ? AgentState.Available : AgentState.Away;
}

export function agentView(a: Agent, state: AgentState): AgentView {
  return { id: a.id, name: a.name, email: a.email, state, since: a.stateSince };
}

/**
 * Which agent is offered a request next: connected, available, not busy or ringing, and not one
 * who refused this request recently (`refusedUntil`: agent id → epoch ms); longest idle first.
 * Skills, VIP priority and capacity grow here.
 */
export function pickAgent(candidates: Iterable<Agent>, free: (a: Agent) => boolean, refusedUntil: ReadonlyMap<number, number>, now: number): Agent | null {
  let best: Agent | null = null;
  for (const a of candidates) {
    if (!a.connected || a.presence !== Presence.Available || !free(a) || (refusedUntil.get(a.id) ?? 0) > now) continue;
    if (!best || a.idleSince < best.idleSince) best = a;
  }
  return best;
}
