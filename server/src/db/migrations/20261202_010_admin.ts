import type { Knex } from 'knex';

/**
 * Running the service: staff accounts can be deactivated (and are invited: no password until the
 * invite is accepted), settings changed at runtime are stored (`settings`: one JSON value per key,
 * the database is the truth, the environment only the default), and every admin change is in the
 * audit log (who, what, when, before and after).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('invited_at', { useTz: true }).nullable();
  });
  await knex.schema.createTable('settings', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('audit_log', (t) => {
    t.increments('id').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.integer('actor_id').unsigned().nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('actor_name', 120).notNullable();
    t.string('action', 48).notNullable();
    t.string('target', 120).notNullable();
    t.text('before').nullable();
    t.text('after').nullable();
    t.index(['at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_log');
  await knex.schema.dropTableIfExists('settings');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('active');
    t.dropColumn('invited_at');
  });
}
