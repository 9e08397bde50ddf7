import { AgentState } from '../../../protocol/index';
import { agentState, type Agent } from './agents';

/**
 * Which agent rings next for a request. Today: any available agent who has not declined or
 * missed this request recently (`tried` maps agent id → when they may ring again), longest idle
 * first. Skills, VIP priority and capacity grow here.
 */
export function pickAgent(agents: Iterable<Agent>, tried: ReadonlyMap<number, number>, now: number): Agent | null {
  let best: Agent | null = null;
  for (const a of agents) {
    if (agentState(a) !== AgentState.Available || (tried.get(a.id) ?? 0) > now) continue;
    if (!best || a.idleSince < best.idleSince) best = a;
  }
  return best;
}
