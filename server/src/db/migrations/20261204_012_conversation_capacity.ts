import type { Knex } from 'knex';

/**
 * The agent console now holds several conversations. Before, the Settings page could only store
 * `maxConversations: 1` (the console showed one at a time), so a stored 1 is that old cap, not a
 * choice: it becomes the new default, 21 (no cap besides one call plus each agent's chats). Down
 * puts the old cap back.
 */
const NO_CAP = 21;
type Routing = { maxChats?: unknown; maxConversations?: unknown };

async function rewrite(knex: Knex, change: (r: Routing) => Routing | null): Promise<void> {
  const row = await knex('settings').where({ key: 'routing' }).first<{ value: string } | undefined>();
  if (!row) return;
  let value: Routing;
  try {
    value = JSON.parse(row.value) as Routing;
  } catch {
    return; // not ours to repair: the server ignores a stored value it cannot read
  }
  const next = change(value);
  if (next) await knex('settings').where({ key: 'routing' }).update({ value: JSON.stringify(next) });
}

export async function up(knex: Knex): Promise<void> {
  await rewrite(knex, (r) => (r.maxConversations === 1 ? { ...r, maxConversations: NO_CAP } : null));
}

export async function down(knex: Knex): Promise<void> {
  await rewrite(knex, (r) => (typeof r.maxConversations === 'number' && r.maxConversations > 1 ? { ...r, maxConversations: 1 } : null));
}
