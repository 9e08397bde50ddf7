import type { Knex } from 'knex';

/**
 * Transfer: an agent hands a live conversation on — to one agent or to an issue type's queue —
 * with a note for the next agent. The last transfer is kept on the conversation (who, to whom,
 * the note, when); the queue widens from `transferred_at`, not from the first request.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('conversations', (t) => {
    t.integer('transfer_from').unsigned().nullable().references('id').inTable('users');
    t.string('transfer_from_name', 200).nullable();
    /** The agent it is directed to (null: the issue type's queue; cleared when they do not take it). */
    t.integer('transfer_to').unsigned().nullable().references('id').inTable('users');
    t.text('transfer_note').nullable();
    t.timestamp('transferred_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('conversations', (t) => {
    t.dropForeign(['transfer_from']);
    t.dropForeign(['transfer_to']);
    for (const c of ['transfer_from', 'transfer_from_name', 'transfer_to', 'transfer_note', 'transferred_at']) t.dropColumn(c);
  });
}
