import type { Knex } from 'knex';

/**
 * Tickets: every answered conversation opens one (or joins the customer's unresolved one), and
 * offline messages and missed callbacks become one. A ticket has entries (agent notes, shopper
 * messages and files, status changes), its conversations (`conversations.ticket_id`) and their
 * ratings. `version` is bumped by every edit: an edit states the version it read (compare-and-set).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tickets', (t) => {
    t.increments('id').primary();
    t.integer('site_id').unsigned().notNullable().references('id').inTable('sites');
    t.string('status', 16).notNullable();
    t.string('issue_type', 16).notNullable();
    t.string('source', 16).notNullable();
    t.integer('customer_id').nullable();
    t.string('customer_name', 200).nullable();
    t.string('customer_email', 254).nullable();
    /** The shopper session that opened it (a guest's tickets are found by it). */
    t.string('shopper_id', 64).nullable();
    t.integer('order_id').nullable();
    t.text('resolution').nullable();
    t.integer('assignee_id').unsigned().nullable().references('id').inTable('users');
    t.integer('version').notNullable().defaultTo(0);
    t.integer('entries').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('resolved_at', { useTz: true }).nullable();
    t.index(['site_id', 'customer_id', 'status']);
    t.index(['status', 'updated_at']);
  });
  await knex.schema.createTable('ticket_files', (t) => {
    t.string('id', 32).primary();
    t.integer('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.string('type', 64).notNullable();
    t.integer('size').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['ticket_id']);
  });
  await knex.schema.createTable('ticket_entries', (t) => {
    t.increments('id').primary();
    t.integer('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.string('kind', 16).notNullable();
    t.string('author_role', 16).nullable();
    t.string('author_id', 64).nullable();
    t.string('author_name', 200).nullable();
    t.text('body').notNullable();
    t.string('file_id', 32).nullable().references('id').inTable('ticket_files').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['ticket_id', 'id']);
  });
  await knex.schema.alterTable('conversations', (t) => {
    t.integer('ticket_id').unsigned().nullable().references('id').inTable('tickets');
    t.index(['ticket_id']);
  });
  await knex.schema.createTable('ratings', (t) => {
    t.string('conversation_id', 36).primary().references('id').inTable('conversations').onDelete('CASCADE');
    t.integer('ticket_id').unsigned().nullable().references('id').inTable('tickets').onDelete('SET NULL');
    /** The agent who last had the conversation (CSAT per agent). */
    t.integer('agent_id').unsigned().nullable().references('id').inTable('users');
    t.integer('score').notNullable();
    t.text('comment').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['agent_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('ratings');
  await knex.schema.alterTable('conversations', (t) => {
    t.dropIndex(['ticket_id']);
    t.dropForeign(['ticket_id']);
    t.dropColumn('ticket_id');
  });
  await knex.schema.dropTableIfExists('ticket_entries');
  await knex.schema.dropTableIfExists('ticket_files');
  await knex.schema.dropTableIfExists('tickets');
}
