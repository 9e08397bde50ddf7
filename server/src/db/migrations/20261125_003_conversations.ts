import type { Knex } from 'knex';
import { createCallTables } from './20261123_001_initial';

/**
 * Conversations replace two-party calls: a conversation has participants (a list), messages,
 * media sessions, offers to agents, and its deadlines as columns (re-armed at start). Agents'
 * chosen presence is stored too. The old call tables of the pre-release schema are dropped (their
 * rows are not carried over); `down` brings back empty ones.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('conversations', (t) => {
    t.string('id', 36).primary();
    t.integer('site_id').unsigned().notNullable().references('id').inTable('sites');
    t.string('shopper_id', 64).notNullable();
    /** Budget key of the shopper's network (an address, an IPv6 /64): admission shares. */
    t.string('net', 64).notNullable();
    t.integer('customer_id').nullable();
    t.string('customer_name', 200).nullable();
    t.integer('product_id').nullable();
    t.string('product_name', 200).nullable();
    /** The shop context shown to agents (customer and product summaries), JSON. */
    t.text('context').notNullable();
    t.string('page_url', 2048).notNullable();
    t.string('channel', 8).notNullable();
    t.string('state', 16).notNullable();
    t.integer('last_seq').notNullable().defaultTo(0);
    t.integer('offered_agent_id').unsigned().nullable().references('id').inTable('users');
    t.string('proposal_kind', 8).nullable();
    t.string('proposal_by', 80).nullable();
    t.timestamp('requested_at', { useTz: true }).notNullable();
    t.timestamp('offered_at', { useTz: true }).nullable();
    t.timestamp('answered_at', { useTz: true }).nullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.string('ended_by', 16).nullable();
    t.string('end_reason', 32).nullable();
    /** Deadlines (epoch ms): queue maximum wait, ring timeout of the current offer. */
    t.bigInteger('wait_deadline').nullable();
    t.bigInteger('offer_deadline').nullable();
    t.index(['state']);
    t.index(['requested_at']);
    t.index(['offered_agent_id', 'state']);
  });
  await knex.schema.createTable('participants', (t) => {
    t.increments('id').primary();
    t.string('conversation_id', 36).notNullable().references('id').inTable('conversations').onDelete('CASCADE');
    t.string('role', 16).notNullable();
    t.string('party_id', 64).notNullable();
    t.string('name', 200).notNullable();
    t.string('state', 16).notNullable();
    t.timestamp('joined_at', { useTz: true }).notNullable();
    t.timestamp('left_at', { useTz: true }).nullable();
    /** Reconnect grace (epoch ms): the conversation waits for this participant until then. */
    t.bigInteger('grace_deadline').nullable();
    t.string('peer_id', 128).nullable();
    t.timestamp('peer_joined_at', { useTz: true }).nullable();
    t.string('media_path', 16).nullable();
    t.integer('delivered_seq').notNullable().defaultTo(0);
    t.integer('read_seq').notNullable().defaultTo(0);
    t.unique(['conversation_id', 'role', 'party_id']);
    t.index(['role', 'party_id', 'state']);
  });
  await knex.schema.createTable('media_sessions', (t) => {
    t.string('id', 36).primary();
    t.string('conversation_id', 36).notNullable().references('id').inTable('conversations').onDelete('CASCADE');
    t.string('kind', 8).notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('connected_at', { useTz: true }).nullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.string('end_reason', 32).nullable();
    t.integer('resumes').notNullable().defaultTo(0);
    /** Ends the media session if media never flows by then (epoch ms). */
    t.bigInteger('connect_deadline').nullable();
    t.index(['conversation_id']);
  });
  await knex.schema.createTable('files', (t) => {
    t.string('id', 32).primary();
    t.string('conversation_id', 36).notNullable().references('id').inTable('conversations').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.string('type', 64).notNullable();
    t.integer('size').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['conversation_id']);
  });
  await knex.schema.createTable('messages', (t) => {
    t.string('id', 36).primary();
    t.string('conversation_id', 36).notNullable().references('id').inTable('conversations').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.string('sender_role', 16).nullable();
    t.string('sender_id', 64).nullable();
    t.string('sender_name', 200).notNullable();
    t.string('kind', 8).notNullable();
    t.text('text').notNullable();
    t.string('file_id', 32).nullable().references('id').inTable('files');
    t.string('client_id', 64).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['conversation_id', 'seq']);
    t.unique(['conversation_id', 'sender_role', 'sender_id', 'client_id']);
  });
  await knex.schema.createTable('offers', (t) => {
    t.increments('id').primary();
    t.string('conversation_id', 36).notNullable().references('id').inTable('conversations').onDelete('CASCADE');
    t.integer('agent_id').unsigned().notNullable().references('id').inTable('users');
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.string('outcome', 16).nullable();
    t.index(['conversation_id']);
  });
  await knex.schema.createTable('conversation_qos', (t) => {
    t.increments('id').primary();
    t.string('conversation_id', 36).notNullable().references('id').inTable('conversations').onDelete('CASCADE');
    t.string('from_role', 16).notNullable();
    t.string('from_id', 64).notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.float('rtt_ms').nullable();
    t.float('jitter_ms').nullable();
    t.float('loss_pct').nullable();
    t.float('bitrate_kbps').nullable();
    t.string('local_candidate', 8).nullable();
    t.string('remote_candidate', 8).nullable();
    t.index(['conversation_id', 'at']);
  });
  await knex.schema.createTable('agent_status', (t) => {
    t.integer('user_id').unsigned().primary().references('id').inTable('users').onDelete('CASCADE');
    t.string('presence', 16).notNullable();
    t.timestamp('since', { useTz: true }).notNullable();
  });
  await knex.schema.dropTableIfExists('qos_samples');
  await knex.schema.dropTableIfExists('ring_attempts');
  await knex.schema.dropTableIfExists('calls');
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['agent_status', 'conversation_qos', 'offers', 'messages', 'files', 'media_sessions', 'participants', 'conversations'])
    await knex.schema.dropTableIfExists(t);
  await createCallTables(knex);
}
