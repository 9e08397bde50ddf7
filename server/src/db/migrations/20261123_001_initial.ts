import type { Knex } from 'knex';

/** Staff, sites, calls, ring attempts and QoS samples. Knex builders only: SQLite and PostgreSQL. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('email', 254).notNullable().unique();
    t.string('name', 120).notNullable();
    t.string('role', 16).notNullable();
    t.string('password_hash', 255).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('sites', (t) => {
    t.increments('id').primary();
    t.string('key', 64).notNullable().unique();
    t.string('name', 120).notNullable();
    t.text('allowed_origins').notNullable();
    t.string('identity_secret', 255).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await createCallTables(knex);
}

/**
 * The two-party call tables of the first schema (replaced by conversations in
 * 20261125_003_conversations, whose `down` brings them back with this).
 */
export async function createCallTables(knex: Knex): Promise<void> {
  await knex.schema.createTable('calls', (t) => {
    t.string('id', 36).primary();
    t.integer('site_id').unsigned().notNullable().references('id').inTable('sites');
    t.string('shopper_id', 64).notNullable();
    t.integer('customer_id').nullable();
    t.integer('product_id').nullable();
    t.string('customer_name', 200).nullable();
    t.string('product_name', 200).nullable();
    t.string('media', 8).notNullable();
    t.string('state', 16).notNullable();
    t.integer('agent_id').unsigned().nullable().references('id').inTable('users');
    t.string('shopper_peer_id', 128).notNullable();
    t.string('agent_peer_id', 128).nullable();
    t.string('page_url', 2048).notNullable();
    t.timestamp('requested_at', { useTz: true }).notNullable();
    t.timestamp('ringing_at', { useTz: true }).nullable();
    t.timestamp('answered_at', { useTz: true }).nullable();
    t.timestamp('media_at', { useTz: true }).nullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.string('ended_by', 16).nullable();
    t.string('end_reason', 32).nullable();
    t.index(['state']);
    t.index(['agent_id']);
    t.index(['requested_at']);
  });
  await knex.schema.createTable('ring_attempts', (t) => {
    t.increments('id').primary();
    t.string('call_id', 36).notNullable().references('id').inTable('calls').onDelete('CASCADE');
    t.integer('agent_id').unsigned().notNullable().references('id').inTable('users');
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.string('outcome', 16).nullable();
    t.index(['call_id']);
  });
  await knex.schema.createTable('qos_samples', (t) => {
    t.increments('id').primary();
    t.string('call_id', 36).notNullable().references('id').inTable('calls').onDelete('CASCADE');
    t.string('from_role', 16).notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.float('rtt_ms').nullable();
    t.float('jitter_ms').nullable();
    t.float('loss_pct').nullable();
    t.float('bitrate_kbps').nullable();
    t.string('local_candidate', 8).nullable();
    t.string('remote_candidate', 8).nullable();
    t.index(['call_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('qos_samples');
  await knex.schema.dropTableIfExists('ring_attempts');
  await knex.schema.dropTableIfExists('calls');
  await knex.schema.dropTableIfExists('sites');
  await knex.schema.dropTableIfExists('users');
}
