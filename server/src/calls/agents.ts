import { AgentState, Presence, type AgentView } from '../../../protocol/index';

export type Agent = {
  id: number;
  name: string;
  email: string;
  presence: Presence;
  /** The call ringing this agent, or the call the agent is in. */
  ringingCallId: string | null;
  activeCallId: string | null;
  /** When the agent last became free: longest idle rings first. */
  idleSince: number;
  stateSince: string;
};

export function newAgent(a: { id: number; name: string; email: string }): Agent {
  return { ...a, presence: Presence.Offline, ringingCallId: null, activeCallId: null, idleSince: Date.now(), stateSince: new Date().toISOString() };
}

export function agentState(a: Agent): AgentState {
  if (a.activeCallId) return AgentState.Busy;
  if (a.ringingCallId) return AgentState.Ringing;
  if (a.presence === Presence.Available) return AgentState.Available;
  if (a.presence === Presence.Away) return AgentState.Away;
  return AgentState.Offline;
}

export function agentView(a: Agent): AgentView {
  return { id: a.id, name: a.name, email: a.email, state: agentState(a), since: a.stateSince };
}
