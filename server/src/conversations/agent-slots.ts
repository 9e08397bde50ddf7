import { MediaKind, Role } from '../../../protocol/index';
import type { Core } from './core';
import type { Conversation } from './model';

/**
 * The cache of agents' slots following what the store wrote (agent-load.ts): slots given back at
 * a conversation's end (with wrap-up), moved between chat and call with media, and the timer that
 * publishes the end of each agent's stored wrap-up.
 */
export class AgentSlots {
  constructor(
    private readonly core: Core,
    /** Runs a dispatch (a freed agent may take a request). */
    private readonly dispatch: () => void,
  ) {}

  /** Publishes an agent's state when their stored wrap-up ends (and offers them work again). */
  armWrapUp(agentId: number): void {
    const a = this.core.agents.get(agentId);
    if (!a?.wrapUpUntil || a.wrapUpUntil <= this.core.now()) return this.core.timers.disarm(`wrapup:${agentId}`);
    this.core.timers.arm(`wrapup:${agentId}`, a.wrapUpUntil, () => {
      this.core.publishAgent(a);
      this.dispatch();
    });
  }

  /** Ends an agent's wrap-up early (their ticket is resolved): stored, then the cache; offers resume. */
  async endWrapUp(agentId: number): Promise<boolean> {
    const a = this.core.agents.get(agentId);
    const now = this.core.now();
    if (!a?.wrapUpUntil || a.wrapUpUntil <= now) return false;
    await this.core.store.endWrapUp(agentId, now);
    Object.assign(a, { wrapUpUntil: null, idleSince: now });
    this.armWrapUp(agentId);
    this.core.publishAgent(a, true);
    this.dispatch();
    return true;
  }

  /** The cache follows what `store.end` (or, for `only`, `store.transfer`) wrote: the ringing agent stops, present agents give back their slot and wrap up. */
  release(c: Conversation, wrapUntil: number | null, only?: number): void {
    const { core } = this;
    const ringing = c.offeredAgentId !== null ? core.agents.get(c.offeredAgentId) : undefined;
    if (ringing?.ringing === c.id) ringing.ringing = null;
    for (const p of c.participants) {
      const a = p.party.role === Role.Agent && !p.leftAt && (only === undefined || p.party.id === String(only)) ? core.agents.get(Number(p.party.id)) : undefined;
      if (!a) continue;
      if (p.load === 'call') a.calls = Math.max(0, a.calls - 1);
      else a.chats = Math.max(0, a.chats - 1);
      if (wrapUntil !== null) a.wrapUpUntil = wrapUntil;
      a.idleSince = wrapUntil ?? core.now();
      this.armWrapUp(a.id);
    }
  }

  /** Whether the agent is being rung for a conversation of this kind (its slot is promised to that ring). */
  private ringingFor(a: { ringing: string | null }, kind: 'call' | 'chat'): boolean {
    const c = a.ringing ? this.core.live.get(a.ringing) : undefined;
    return c !== undefined && (c.channel === MediaKind.Chat) === (kind === 'chat');
  }

  /** The cache follows `store.startMedia` / `endMedia`: present agents' slots move between chat and call (to chat only into a free chat slot). */
  moveLoad(c: Conversation, to: 'call' | 'chat'): void {
    for (const p of c.participants) {
      const a = p.party.role === Role.Agent && !p.leftAt && p.load !== to ? this.core.agents.get(Number(p.party.id)) : undefined;
      if (!a || (to === 'chat' && a.chats + (this.ringingFor(a, 'chat') ? 1 : 0) >= this.core.maxChatsOf(a))) continue;
      p.load = to;
      if (to === 'call') Object.assign(a, { calls: a.calls + 1, chats: Math.max(0, a.chats - 1) });
      else Object.assign(a, { chats: a.chats + 1, calls: Math.max(0, a.calls - 1) });
      this.core.publishAgent(a);
    }
  }

}
