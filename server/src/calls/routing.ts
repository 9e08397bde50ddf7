import { AgentState } from '../../../protocol/index';
import { agentState, type Agent } from './agents';

/**
 * Which agent rings next for a request. Today: any available agent who has not declined or
 * missed this request, longest idle first. Skills, VIP priority and capacity grow here.
 */
export function pickAgent(agents: Iterable<Agent>, tried: ReadonlySet<number>): Agent | null {
  let best: Agent | null = null;
  for (const a of agents) {
    if (agentState(a) !== AgentState.Available || tried.has(a.id)) continue;
    if (!best || a.idleSince < best.idleSince) best = a;
  }
  return best;
}
