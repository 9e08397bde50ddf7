import type { Knex } from 'knex';

/**
 * Staff sessions (rotating refresh tokens, revocation, absolute age) and one-time nonces
 * (realtime tickets, shop customer signatures, spent refresh tokens): a nonce is used once because inserting it twice
 * fails on the primary key — a compare-and-set that holds across nodes sharing PostgreSQL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('staff_sessions', (t) => {
    t.string('id', 32).primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('refresh_hash', 64).notNullable();
    /** The refresh token just replaced: accepted once more for a short grace (a lost response). */
    t.string('previous_hash', 64).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('refreshed_at', { useTz: true }).nullable();
    /** Absolute end: no refresh goes past it. */
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.string('revoke_reason', 32).nullable();
    t.index(['user_id']);
    t.index(['expires_at']);
  });
  await knex.schema.createTable('used_nonces', (t) => {
    t.string('nonce', 96).primary();
    /** After this the nonce would be refused anyway (its token expired): the row can go. */
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('used_nonces');
  await knex.schema.dropTableIfExists('staff_sessions');
}
