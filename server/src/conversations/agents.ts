import { AgentState, Presence, type AgentView } from '../../../protocol/index';
import { DEFAULT_SKILLS, skillsOf, type Skills } from '../routing/skills';
import type { AgentRow } from './store';

/**
 * An agent as this node knows them: what is stored on their status row (presence, load,
 * wrap-up, skills — a cache of the database, which decides) and whether a console is connected here.
 */
export type Agent = {
  id: number;
  name: string;
  email: string;
  presence: Presence.Available | Presence.Away;
  connected: boolean;
  /** Epoch ms since the agent has had nothing new: longest idle is offered first. */
  idleSince: number;
  stateSince: string;
  /** The state last published (changes are published once). */
  published: AgentState | null;
  skills: Skills;
  /** Chats they may hold at once; null: the site's default. */
  maxChats: number | null;
  /** The conversation ringing them, if any. */
  ringing: string | null;
  /** Live conversations they hold: calls (0 or 1) and chats. */
  calls: number;
  chats: number;
  /** Epoch ms: no offers until then. */
  wrapUpUntil: number | null;
  /** An active agent account (false once deactivated or given another role): never a transfer target, not in the directory. */
  enrolled: boolean;
};

export function newAgent(a: { id: number; name: string; email: string }, row: AgentRow | undefined, now: number): Agent {
  return {
    ...a,
    presence: row?.presence === Presence.Available ? Presence.Available : Presence.Away,
    connected: false,
    idleSince: row?.idleSince ?? now,
    stateSince: new Date(now).toISOString(),
    published: null,
    skills: skillsOf(row?.skills.length ? row.skills : DEFAULT_SKILLS),
    maxChats: row?.maxChats ?? null,
    ringing: row?.ringing ?? null,
    calls: row?.calls ?? 0,
    chats: row?.chats ?? 0,
    wrapUpUntil: row?.wrapUpUntil ?? null,
    enrolled: row?.enrolled ?? true,
  };
}

export const inWrapUp = (a: Agent, now: number): boolean => a.wrapUpUntil !== null && a.wrapUpUntil > now;

/** What an agent is doing: ringing, in a conversation, offline, wrapping up, or their chosen presence. */
export function agentState(a: Agent, now: number): AgentState {
  if (a.connected && a.ringing) return AgentState.Ringing;
  if (a.calls + a.chats > 0) return AgentState.Busy;
  if (!a.connected) return AgentState.Offline;
  if (inWrapUp(a, now)) return AgentState.WrapUp;
  return a.presence === Presence.Available ? AgentState.Available : AgentState.Away;
}

export function agentView(a: Agent, state: AgentState): AgentView {
  return {
    id: a.id, name: a.name, email: a.email, state, since: a.stateSince, calls: a.calls, chats: a.chats,
    wrapUpUntil: a.wrapUpUntil === null ? null : new Date(a.wrapUpUntil).toISOString(),
  };
}
