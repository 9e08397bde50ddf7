import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSource } from '../../server/src/db/migrations/index';

const TABLES = ['agent_skills', 'agent_status', 'audit_log', 'canned_responses', 'conversation_qos', 'conversations', 'files', 'media_sessions', 'messages', 'offers', 'participants', 'ratings', 'settings', 'site_closed_dates', 'site_hours', 'site_hours_intervals', 'sites', 'staff_sessions', 'ticket_entries', 'ticket_files', 'tickets', 'used_nonces', 'users'];

/** Migrations that change stored data only. */
const DATA_ONLY = new Set(['20261204_012_conversation_capacity']);

let dir: string;
let db: Knex;

async function userTables(): Promise<string[]> {
  const rows: { name: string }[] = await db.raw(
    "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'knex_%' order by name",
  );
  return rows.map((r) => r.name);
}

/** Every table with its columns and indexes: a migration may add tables, columns or only indexes, any changes this. */
async function schema(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of await userTables()) {
    const columns = ((await db.raw(`pragma table_info(${t})`)) as { name: string }[]).map((c) => c.name).sort();
    const indexes = ((await db.raw(`pragma index_list(${t})`)) as { name: string }[]).map((i) => `index ${i.name}`).sort();
    out[t] = [...columns, ...indexes];
  }
  return out;
}

async function appliedMigrations(): Promise<string[]> {
  const rows: { name: string }[] = await db('knex_migrations').select('name').orderBy('id');
  return rows.map((r) => r.name);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-migrate-'));
  db = knex({ client: 'sqlite3', connection: { filename: path.join(dir, 'fresh.sqlite') }, useNullAsDefault: true });
});
afterAll(async () => {
  await db?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrations on a fresh SQLite file', () => {
  it('migrate.latest creates every table, rollback all removes them, and up again works', async () => {
    const all = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
    expect(all.length).toBeGreaterThan(0);
    expect(await userTables()).toEqual([]);

    const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
    expect(applied).toEqual(all);
    expect(await userTables()).toEqual(TABLES);
    expect(await appliedMigrations()).toEqual(all);

    // The schema is usable: a row in every table, foreign keys and cascades included.
    await db.raw('PRAGMA foreign_keys = ON');
    const at = new Date().toISOString();
    const [userId] = await db('users').insert({ email: 'x@y.test', name: 'X', role: 'agent', password_hash: 'h', created_at: at });
    const [siteId] = await db('sites').insert({ key: 'k', name: 'S', allowed_origins: '[]', identity_secret: 's', created_at: at });
    await db('conversations').insert({
      id: 'c1', site_id: siteId, shopper_id: 'sh', net: 'n', context: '{}', page_url: 'http://shop.test/', channel: 'video', state: 'active',
      requested_at: at,
    });
    await db('participants').insert({ conversation_id: 'c1', role: 'agent', party_id: String(userId), name: 'X', state: 'connected', joined_at: at });
    await expect(db('participants').insert({ conversation_id: 'c1', role: 'agent', party_id: String(userId), name: 'X', state: 'connected', joined_at: at })).rejects.toThrow();
    await db('media_sessions').insert({ id: 'm1', conversation_id: 'c1', kind: 'video', started_at: at });
    await db('files').insert({ id: 'f'.repeat(32), conversation_id: 'c1', name: 'a.png', type: 'image/png', size: 1, created_at: at });
    await db('messages').insert({ id: 'g1', conversation_id: 'c1', seq: 1, sender_name: '', kind: 'file', text: 'a.png', file_id: 'f'.repeat(32), created_at: at });
    // One seq per conversation: the unique key keeps messages in one order.
    await expect(db('messages').insert({ id: 'g2', conversation_id: 'c1', seq: 1, sender_name: '', kind: 'text', text: 'x', created_at: at })).rejects.toThrow();
    await db('offers').insert({ conversation_id: 'c1', agent_id: userId, started_at: at });
    await db('conversation_qos').insert({ conversation_id: 'c1', from_role: 'agent', from_id: '1', at, rtt_ms: 10 });
    await db('agent_status').insert({ user_id: userId, presence: 'away', since: at });
    await db('agent_skills').insert({ user_id: userId, kind: 'issue', value: 'order', level: 3 });
    // An agent's skill is listed once per kind and value.
    await expect(db('agent_skills').insert({ user_id: userId, kind: 'issue', value: 'order', level: 5 })).rejects.toThrow();
    // A ticket with an entry, a file, its conversation and that conversation's rating (one rating per conversation).
    const [ticketId] = await db('tickets').insert({ site_id: siteId, status: 'open', issue_type: 'order', source: 'conversation', created_at: at, updated_at: at });
    await db('ticket_files').insert({ id: 'e'.repeat(32), ticket_id: ticketId, name: 'b.pdf', type: 'application/pdf', size: 1, created_at: at });
    await db('ticket_entries').insert({ ticket_id: ticketId, kind: 'file', body: 'b.pdf', file_id: 'e'.repeat(32), created_at: at });
    await db('conversations').where({ id: 'c1' }).update({ ticket_id: ticketId });
    await db('ratings').insert({ conversation_id: 'c1', ticket_id: ticketId, agent_id: userId, score: 5, created_at: at });
    await expect(db('ratings').insert({ conversation_id: 'c1', score: 1, created_at: at })).rejects.toThrow();
    // A conversation's rows go with it.
    await db('conversations').where({ id: 'c1' }).delete();
    for (const t of ['participants', 'media_sessions', 'files', 'messages', 'offers', 'conversation_qos', 'ratings']) expect(await db(t).count({ n: '*' })).toEqual([{ n: 0 }]);
    // A ticket's entries and files go with it.
    await db('tickets').where({ id: ticketId }).delete();
    for (const t of ['ticket_entries', 'ticket_files']) expect(await db(t).count({ n: '*' })).toEqual([{ n: 0 }]);
    await expect(db('users').insert({ email: 'x@y.test', name: 'dup', role: 'agent', password_hash: 'h', created_at: at })).rejects.toThrow();
    // A staff session belongs to a user and goes with it (a second user: calls keep the first).
    const [staffId] = await db('users').insert({ email: 's@y.test', name: 'S', role: 'supervisor', password_hash: 'h', created_at: at });
    await db('staff_sessions').insert({ id: 'a'.repeat(32), user_id: staffId, refresh_hash: 'f'.repeat(64), created_at: at, expires_at: at });
    await db('users').where({ id: staffId }).delete();
    expect(await db('staff_sessions').count({ n: '*' })).toEqual([{ n: 0 }]);
    // A site's business hours: intervals and closed dates (one row per date) go with its hours row.
    await db('site_hours').insert({ site_id: siteId, timezone: 'Europe/Berlin', updated_at: at });
    await db('site_hours_intervals').insert({ site_id: siteId, weekday: 1, opens: '09:00', closes: '17:00' });
    await db('site_closed_dates').insert({ site_id: siteId, date: '2026-12-25' });
    await expect(db('site_closed_dates').insert({ site_id: siteId, date: '2026-12-25' })).rejects.toThrow();
    await expect(db('site_hours').insert({ site_id: siteId, timezone: 'UTC', updated_at: at })).rejects.toThrow();
    await db('site_hours').where({ site_id: siteId }).delete();
    for (const t of ['site_hours_intervals', 'site_closed_dates']) expect(await db(t).count({ n: '*' })).toEqual([{ n: 0 }]);
    // A nonce is used once: its primary key is the compare-and-set.
    await db('used_nonces').insert({ nonce: 't:n1', expires_at: at });
    await expect(db('used_nonces').insert({ nonce: 't:n1', expires_at: at })).rejects.toThrow();

    const [, rolledBack] = (await db.migrate.rollback({ migrationSource }, true)) as [number, string[]];
    expect([...rolledBack].sort()).toEqual([...all].sort());
    expect(await userTables()).toEqual([]);
    expect(await appliedMigrations()).toEqual([]);

    const [, again] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
    expect(again).toEqual(all);
    expect(await userTables()).toEqual(TABLES);
    expect(await db('users').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('each migration goes up and down on its own, one step at a time', async () => {
    await db.migrate.rollback({ migrationSource }, true);
    const all = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
    for (const name of all) {
      const before = await schema();
      await db.migrate.up({ migrationSource });
      expect((await appliedMigrations()).at(-1)).toBe(name);
      const after = await schema();
      // Each migration changes the schema (new tables, new columns or only indexes), and its down undoes exactly that;
      // a data migration leaves the schema as it was (its own test below).
      if (DATA_ONLY.has(name)) expect(after).toEqual(before);
      else expect(after, `${name} changes nothing`).not.toEqual(before);
      await db.migrate.down({ migrationSource });
      expect(await schema()).toEqual(before);
      await db.migrate.up({ migrationSource });
      expect(await schema()).toEqual(after);
    }
    expect(await userTables()).toEqual(TABLES);
    expect(await appliedMigrations()).toEqual(all);
  });

  it('012: a stored conversation cap of 1 (the old console’s only choice) becomes the new default, no cap (21), and back', async () => {
    const routing = { wrapUpMs: 1000, widenAfterMs: 2000, maxChats: 4, maxConversations: 1, missedRingsAway: 2, vipRule: 'meta:counterpart_vip' };
    const NAME = '20261204_012_conversation_capacity';
    const stored = async () => JSON.parse((await db('settings').where({ key: 'routing' }).first()).value);
    // Back to just before 012, a settings row as the old Settings page stored it, then 012 up and down.
    while ((await appliedMigrations()).includes(NAME)) await db.migrate.down({ migrationSource });
    await db('settings').insert({ key: 'routing', value: JSON.stringify(routing), updated_at: new Date().toISOString() });
    await db.migrate.up({ migrationSource });
    expect((await appliedMigrations()).at(-1)).toBe(NAME);
    expect(await stored()).toEqual({ ...routing, maxConversations: 21 });
    await db.migrate.down({ migrationSource });
    expect(await stored()).toEqual(routing);
    // A cap an admin chose under the new console is not the old one: left alone.
    await db('settings').where({ key: 'routing' }).update({ value: JSON.stringify({ ...routing, maxConversations: 3 }) });
    await db.migrate.up({ migrationSource });
    expect((await stored()).maxConversations).toBe(3);
    await db.migrate.latest({ migrationSource });
  });
});
