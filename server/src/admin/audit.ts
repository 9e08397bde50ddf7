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

/** Targets named by a table's row (`user:12`): the table and the column that names it. */
const NAMED: Readonly<Record<string, { table: string; column: string }>> = {
  user: { table: 'users', column: 'name' },
  canned: { table: 'canned_responses', column: 'title' },
};

/** The current name of each `kind:id` target of a page, one query per kind. */
async function targetNames(db: Db, targets: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const [kind, { table, column }] of Object.entries(NAMED)) {
    const ids = [...new Set(targets.map((t) => new RegExp(`^${kind}:([0-9]{1,12})$`).exec(t)?.[1]).filter((id) => id !== undefined).map(Number))];
    if (!ids.length) continue;
    for (const r of (await db(table).whereIn('id', ids).select('id', column)) as Row[]) names.set(`${kind}:${Number(r.id)}`, String(r[column]));
  }
  return names;
}

/** The newest entries first; `before`: an entry id to page back from. */
export async function auditPage(db: Db, opts: { limit: number; before?: number }): Promise<AuditList> {
  let q = db('audit_log').orderBy('id', 'desc').limit(opts.limit + 1);
  if (opts.before !== undefined) q = q.where('id', '<', opts.before);
  const rows: Row[] = await q;
  const page = rows.slice(0, opts.limit);
  const names = await targetNames(db, page.map((r) => String(r.target)));
  return AuditList.parse({
    entries: page.map((r) => ({
      id: Number(r.id), at: iso(r.at), actor: { id: r.actor_id === null ? null : Number(r.actor_id), name: String(r.actor_name) },
      action: String(r.action), target: String(r.target), targetName: names.get(String(r.target)) ?? null, before: parse(r.before), after: parse(r.after),
    })),
    more: rows.length > opts.limit,
  });
}
