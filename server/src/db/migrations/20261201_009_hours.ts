import type { Knex } from 'knex';

/**
 * Business hours per site: its time zone, weekly opening intervals (weekday 1 = Monday … 7 =
 * Sunday; wall-clock "HH:MM", a close may be "24:00") and closed dates. A site with no
 * `site_hours` row is open always.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('site_hours', (t) => {
    t.integer('site_id').unsigned().primary().references('id').inTable('sites').onDelete('CASCADE');
    t.string('timezone', 64).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('site_hours_intervals', (t) => {
    t.increments('id').primary();
    t.integer('site_id').unsigned().notNullable().references('site_id').inTable('site_hours').onDelete('CASCADE');
    t.integer('weekday').notNullable();
    t.string('opens', 5).notNullable();
    t.string('closes', 5).notNullable();
    t.index(['site_id']);
  });
  await knex.schema.createTable('site_closed_dates', (t) => {
    t.integer('site_id').unsigned().notNullable().references('site_id').inTable('site_hours').onDelete('CASCADE');
    t.string('date', 10).notNullable();
    t.primary(['site_id', 'date']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('site_closed_dates');
  await knex.schema.dropTableIfExists('site_hours_intervals');
  await knex.schema.dropTableIfExists('site_hours');
}
