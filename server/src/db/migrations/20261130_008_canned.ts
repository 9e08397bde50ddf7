import type { Knex } from 'knex';

/** Canned responses: a shortcut, a title and the text an agent puts in the chat with `/shortcut`. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('canned_responses', (t) => {
    t.increments('id').primary();
    t.string('shortcut', 32).notNullable().unique();
    t.string('title', 120).notNullable();
    t.text('body').notNullable();
    t.integer('updated_by').unsigned().nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('canned_responses');
}
