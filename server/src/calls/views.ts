import type { Hub } from '../realtime/hub';
import { agentView, type Agent } from './agents';
import { callView, type ActiveCall } from './live-call';

/** What supervisors and agents are told about calls and agents. */
export class Views {
  constructor(
    private readonly hub: Hub,
    private readonly agents: ReadonlyMap<number, Agent>,
  ) {}

  snapshot(calls: Iterable<ActiveCall>) {
    return { agents: [...this.agents.values()].map(agentView), calls: [...calls].map((c) => callView(c, this.agents)) };
  }

  call(c: ActiveCall): void {
    this.hub.toSupervisors({ type: 'call.update', call: callView(c, this.agents) });
  }

  /** An agent's state changed: supervisors see it, and the agent's own clients. */
  agent(a: Agent): void {
    a.stateSince = new Date().toISOString();
    this.hub.toSupervisors({ type: 'agent.update', agent: agentView(a) });
    this.self(a);
  }

  /** Tells the agent's own clients their state (also as a resync, with no fan-out). */
  self(a: Agent): void {
    this.hub.send(`agent:${a.id}`, { type: 'agent.self', state: agentView(a).state, presence: a.presence });
  }
}
