import type { Knex } from 'knex';

/**
 * The KPI report (server/src/stats/kpis.ts) reads one period of conversations by `ended_at`,
 * resolved tickets by `resolved_at` and ratings by `created_at`: an index on each.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('conversations', (t) => t.index(['ended_at']));
  await knex.schema.alterTable('tickets', (t) => t.index(['resolved_at']));
  await knex.schema.alterTable('ratings', (t) => t.index(['created_at']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ratings', (t) => t.dropIndex(['created_at']));
  await knex.schema.alterTable('tickets', (t) => t.dropIndex(['resolved_at']));
  await knex.schema.alterTable('conversations', (t) => t.dropIndex(['ended_at']));
}
