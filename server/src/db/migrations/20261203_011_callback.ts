import type { Knex } from 'knex';

/**
 * Callback: a waiting shopper asks to be called back instead of watching the queue. The request
 * stays in the queue; when an agent takes it, the shopper's page (if still open) gets the call;
 * if the shopper is gone first, the request becomes a ticket (source `callback`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('conversations', (t) => {
    t.timestamp('callback_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('conversations', (t) => {
    t.dropColumn('callback_at');
  });
}
