import type { Knex } from 'knex';
import { AuditList } from '../../../protocol/index';
import { iso, type Db } from '../db/index';

type Row = Record<string, unknown>;
export type Actor = { id: number; name: string };

/** Writes one audit entry, in the transaction of the change it records: no change without its entry. */
export async function audit(trx: Knex.Transaction | Db, actor: Actor, action: string, target: string, before: unknown, after: unknown): Promise<void> {
  await trx('audit_log').insert({
    at: new Date().toISOString(), actor_id: actor.id, actor_name: actor.name, action, target,
    before: before === undefined || before === null ? null : JSON.stringify(before),
    after: after === undefined || after === null ? null : JSON.stringify(after),
  });
}

const parse = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.parse(String(v)));

/** The newest entries first; `before`: an entry id to page back from. */
export async function auditPage(db: Db, opts: { limit: number; before?: number }): Promise<AuditList> {
  let q = db('audit_log').orderBy('id', 'desc').limit(opts.limit + 1);
  if (opts.before !== undefined) q = q.where('id', '<', opts.before);
  const rows: Row[] = await q;
  return AuditList.parse({
    entries: rows.slice(0, opts.limit).map((r) => ({
      id: Number(r.id), at: iso(r.at), actor: { id: r.actor_id === null ? null : Number(r.actor_id), name: String(r.actor_name) },
      action: String(r.action), target: String(r.target), before: parse(r.before), after: parse(r.after),
    })),
    more: rows.length > opts.limit,
  });
}
