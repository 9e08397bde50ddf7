import type { Knex } from 'knex';

/**
 * Pre-connect while ringing: the peer the ringing agent's console warmed up for the offered
 * conversation. Set by its `media.join` during the ring, cleared when the ring ends; on accept it
 * becomes the agent participant's peer. The PeerServer's relay policy reads it, so it is stored
 * like every other decision (several nodes can share it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('conversations', (t) => {
    t.string('ring_peer_id', 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('conversations', (t) => {
    t.dropColumn('ring_peer_id');
  });
}
