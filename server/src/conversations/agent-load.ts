/**
 * An agent's load on their `agent_status` row — the offer ringing, live calls and chats, wrap-up,
 * missed rings — changed inside the transaction that changes the conversation. Capacity is a
 * compare-and-set on that one row (`where ring_conversation is null and calls < 1 …`): two nodes sharing
 * PostgreSQL cannot ring one agent twice nor put them over capacity, because the row's update
 * serialises them and re-checks the condition.
 */
import type { Knex } from 'knex';
import { Presence, Role } from '../../../protocol/index';

type Tx = Knex.Transaction;
/** `col - 1`, never below 0 (portable SQL: SQLite and PostgreSQL). */
const dec = (trx: Tx, col: string) => trx.raw(`case when ${col} > 0 then ${col} - 1 else 0 end`);
/** The slot a participant holds: a call while media runs, else a chat. */
export type Load = 'call' | 'chat';

/** Thrown inside a transaction to roll it back when a later compare-and-set lost. */
export class LostRace extends Error {}

/** Runs `fn` in a transaction; false when it threw LostRace (nothing written). */
export async function casTx(db: Knex, fn: (trx: Tx) => Promise<boolean>): Promise<boolean> {
  try {
    return await db.transaction(fn);
  } catch (err) {
    if (err instanceof LostRace) return false;
    throw err;
  }
}

/**
 * The ring stopped without an answer. A missed ring (timeout) counts; `awayAfter` missed in a
 * row set the agent away. Any other end (decline, away, gone) is not a miss: the count restarts.
 * Returns whether the agent was set away.
 */
export async function dropRing(trx: Tx, agentId: number, conversationId: string, missed: boolean, awayAfter: number, at: string): Promise<boolean> {
  await trx('agent_status')
    .where({ user_id: agentId, ring_conversation: conversationId })
    .update({ ring_conversation: null, missed_rings: missed ? trx.raw('missed_rings + 1') : 0 });
  if (!missed) return false;
  const away = await trx('agent_status')
    .where({ user_id: agentId })
    .andWhere('missed_rings', '>=', awayAfter)
    .update({ presence: Presence.Away, since: at, missed_rings: 0 });
  return away === 1;
}

/** The ringing agent answers: the ring becomes a call or a chat on their row. */
export async function acceptRing(trx: Tx, agentId: number, conversationId: string, load: Load): Promise<void> {
  const n = await trx('agent_status')
    .where({ user_id: agentId, ring_conversation: conversationId })
    .update({ ring_conversation: null, missed_rings: 0, [load === 'call' ? 'calls' : 'chats']: trx.raw(`${load === 'call' ? 'calls' : 'chats'} + 1`) });
  if (n !== 1) throw new LostRace();
}

/**
 * A conversation ends: every present agent gives back their slot and wraps up until `wrapUntil`
 * (null: no wrap-up); a ringing agent stops ringing. `only`: just this agent (a transfer). Returns the agents released.
 */
export async function releaseAgents(trx: Tx, conversationId: string, wrapUntil: number | null, only?: number): Promise<number[]> {
  if (only === undefined) await trx('agent_status').where({ ring_conversation: conversationId }).update({ ring_conversation: null });
  const present: { party_id: string; load: Load | null }[] = await trx('participants')
    .where({ conversation_id: conversationId, role: Role.Agent, ...(only !== undefined ? { party_id: String(only) } : {}) })
    .whereNull('left_at')
    .select('party_id', 'load');
  for (const p of present) {
    const col = p.load === 'call' ? 'calls' : 'chats';
    await trx('agent_status')
      .where({ user_id: Number(p.party_id) })
      .update({ [col]: dec(trx, col), ...(wrapUntil !== null ? { wrapup_until: wrapUntil } : {}) });
  }
  return present.map((p) => Number(p.party_id));
}

/**
 * Media starts (`call`) or stops (`chat`) in a conversation: its agents' slots move with it. A
 * call needs each agent's call slot free — not in another call, and not being rung for one (the
 * ring was offered for that slot: accepting it would make two calls) — else LostRace (the
 * transaction rolls back). Back to chat, an agent whose chat slots are all taken, or whose last
 * one a ringing chat was offered, keeps the call slot until the conversation ends (never over capacity).
 */
export async function moveLoad(trx: Tx, conversationId: string, to: Load, maxChats: number): Promise<void> {
  const from: Load = to === 'call' ? 'chat' : 'call';
  const moving: { party_id: string }[] = await trx('participants')
    .where({ conversation_id: conversationId, role: Role.Agent, load: from })
    .whereNull('left_at')
    .select('party_id');
  for (const p of moving) {
    const n = await trx('agent_status')
      .where({ user_id: Number(p.party_id) })
      // A ring of the same kind holds a slot of that kind.
      .whereRaw(`${to === 'call' ? 'calls' : 'chats'} + (case when exists (select 1 from conversations where conversations.id = agent_status.ring_conversation and channel ${to === 'call' ? '<>' : '='} 'chat') then 1 else 0 end) < ${to === 'call' ? '1' : 'coalesce(max_chats, ?)'}`, to === 'call' ? [] : [maxChats])
      .update(to === 'call' ? { calls: trx.raw('calls + 1'), chats: dec(trx, 'chats') } : { chats: trx.raw('chats + 1'), calls: dec(trx, 'calls') });
    if (n === 1) await trx('participants').where({ conversation_id: conversationId, role: Role.Agent, party_id: p.party_id }).update({ load: to });
    else if (to === 'call') throw new LostRace();
  }
}
