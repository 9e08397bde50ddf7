/**
 * Offers written as compare-and-sets, many in one transaction: a router pass decides up to one
 * offer per free agent, and writing them one transaction each would cost a commit and five
 * statements apiece. Here a batch is four statements whatever its size, each one still a
 * compare-and-set per row:
 *
 * 1. agents: `ring_conversation = case user_id when … end` where the agent is available, out of
 *    wrap-up, ringing nothing, below their total and with a free slot for the channel — returning who was rung;
 * 2. conversations of those agents: `queued → offered` — returning which were offered;
 * 3. an agent whose conversation was taken meanwhile stops ringing again;
 * 4. the offer rows.
 *
 * Portable SQL (SQLite and PostgreSQL, `update … returning`), so several nodes can share the database.
 */
import type { Knex } from 'knex';
import { ConversationState as S, Presence } from '../../../protocol/index';

export type OfferWant = { id: string; agentId: number; call: boolean };

/** Writes the offers that still hold; returns the ids of the conversations offered. Each agent and conversation at most once. */
export async function offerBatch(
  db: Knex,
  wants: readonly OfferWant[],
  at: string,
  deadline: number,
  now: number,
  maxChats: number,
  maxTotal: number,
): Promise<Set<string>> {
  if (wants.length === 0) return new Set();
  return db.transaction(async (trx) => {
    const calls = wants.filter((w) => w.call).map((w) => w.agentId);
    const chats = wants.filter((w) => !w.call).map((w) => w.agentId);
    const rung: { user_id: number }[] = await trx('agent_status')
      .whereIn('user_id', wants.map((w) => w.agentId))
      .where({ presence: Presence.Available })
      .whereNull('ring_conversation')
      .where((q) => q.whereNull('wrapup_until').orWhere('wrapup_until', '<=', now))
      .whereRaw('calls + chats < ?', [maxTotal])
      .where((q) => {
        if (calls.length) q.orWhere((c) => c.whereIn('user_id', calls).where('calls', '<', 1));
        if (chats.length) q.orWhere((c) => c.whereIn('user_id', chats).whereRaw('chats < coalesce(max_chats, ?)', [maxChats]));
      })
      .update({ ring_conversation: trx.raw(`case user_id ${wants.map(() => 'when ? then ?').join(' ')} end`, wants.flatMap((w) => [w.agentId, w.id])) }, ['user_id']);
    const ringing = new Set(rung.map((r) => Number(r.user_id)));
    const next = wants.filter((w) => ringing.has(w.agentId));
    if (next.length === 0) return new Set<string>();
    const offered: { id: string }[] = await trx('conversations')
      .whereIn('id', next.map((w) => w.id))
      .where({ state: S.Queued })
      .update(
        {
          state: S.Offered,
          offered_agent_id: trx.raw(`case id ${next.map(() => 'when ? then ?').join(' ')} end`, next.flatMap((w) => [w.id, w.agentId])),
          offer_deadline: deadline,
          offered_at: trx.raw('coalesce(offered_at, ?)', [at]),
        },
        ['id'],
      );
    const ok = new Set(offered.map((r) => String(r.id)));
    const lost = next.filter((w) => !ok.has(w.id));
    if (lost.length) await trx('agent_status').whereIn('ring_conversation', lost.map((w) => w.id)).update({ ring_conversation: null });
    if (ok.size) await trx('offers').insert(next.filter((w) => ok.has(w.id)).map((w) => ({ conversation_id: w.id, agent_id: w.agentId, started_at: at })));
    return ok;
  });
}
