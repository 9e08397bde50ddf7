import type { Knex } from 'knex';

/**
 * Skills routing. A request carries what it is about (issue type, product categories, language)
 * and the shopper's VIP level. Each agent has skills (`agent_skills`) and a load on their status
 * row — the offer ringing, the live calls and chats, wrap-up and missed rings — that every offer,
 * accept and end changes in the same transaction as the conversation: capacity is a
 * compare-and-set on that one row. A participant's `load` says which slot it holds.
 * Every agent gets a status row and the default skills (every issue type, English and Chinese,
 * every category) so existing accounts keep taking what they took.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('conversations', (t) => {
    t.string('issue_type', 16).notNullable().defaultTo('pre_sale');
    t.string('language', 8).notNullable().defaultTo('en');
    t.integer('vip').notNullable().defaultTo(0);
    /** The product's category ids, JSON. */
    t.text('category_ids').notNullable().defaultTo('[]');
  });
  await knex.schema.alterTable('participants', (t) => {
    /** The agent slot this participant holds: `call` while media runs, else `chat`; null for shoppers. */
    t.string('load', 8).nullable();
  });
  await knex.schema.alterTable('agent_status', (t) => {
    t.string('ring_conversation', 36).nullable();
    t.integer('calls').notNullable().defaultTo(0);
    t.integer('chats').notNullable().defaultTo(0);
    /** Null: the site's default. */
    t.integer('max_chats').nullable();
    /** Epoch ms: no offers until then (after a conversation). */
    t.bigInteger('wrapup_until').nullable();
    t.integer('missed_rings').notNullable().defaultTo(0);
    /** Epoch ms: since when the agent has had nothing new (longest idle first). */
    t.bigInteger('idle_since').nullable();
  });
  await knex.schema.createTable('agent_skills', (t) => {
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('kind', 16).notNullable();
    t.string('value', 32).notNullable();
    t.integer('level').notNullable();
    t.primary(['user_id', 'kind', 'value']);
  });
  const agents: { id: number }[] = await knex('users').where({ role: 'agent' }).select('id');
  const at = new Date().toISOString();
  for (const { id } of agents) {
    await knex('agent_status').insert({ user_id: id, presence: 'away', since: at }).onConflict('user_id').ignore();
    const skills = [
      ...['pre_sale', 'order', 'after_sales', 'technical'].map((value) => ({ kind: 'issue', value })),
      { kind: 'language', value: 'en' },
      { kind: 'language', value: 'zh' },
      { kind: 'category', value: '*' },
    ];
    await knex('agent_skills').insert(skills.map((s) => ({ user_id: id, ...s, level: 3 })));
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('agent_skills');
  await knex.schema.alterTable('agent_status', (t) => {
    for (const c of ['ring_conversation', 'calls', 'chats', 'max_chats', 'wrapup_until', 'missed_rings', 'idle_since']) t.dropColumn(c);
  });
  await knex.schema.alterTable('participants', (t) => {
    t.dropColumn('load');
  });
  await knex.schema.alterTable('conversations', (t) => {
    for (const c of ['issue_type', 'language', 'vip', 'category_ids']) t.dropColumn(c);
  });
}
