import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSource } from '../../server/src/db/migrations/index';

const TABLES = ['calls', 'qos_samples', 'ring_attempts', 'sites', 'staff_sessions', 'used_nonces', 'users'];

let dir: string;
let db: Knex;

async function userTables(): Promise<string[]> {
  const rows: { name: string }[] = await db.raw(
    "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'knex_%' order by name",
  );
  return rows.map((r) => r.name);
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
    await db('calls').insert({
      id: 'c1', site_id: siteId, shopper_id: 'sh', media: 'video', state: 'queued', agent_id: userId,
      shopper_peer_id: 'p', page_url: 'http://shop.test/', requested_at: at,
    });
    await db('ring_attempts').insert({ call_id: 'c1', agent_id: userId, started_at: at });
    await db('qos_samples').insert({ call_id: 'c1', from_role: 'agent', at, rtt_ms: 10 });
    await expect(db('users').insert({ email: 'x@y.test', name: 'dup', role: 'agent', password_hash: 'h', created_at: at })).rejects.toThrow();
    // A staff session belongs to a user and goes with it (a second user: calls keep the first).
    const [staffId] = await db('users').insert({ email: 's@y.test', name: 'S', role: 'supervisor', password_hash: 'h', created_at: at });
    await db('staff_sessions').insert({ id: 'a'.repeat(32), user_id: staffId, refresh_hash: 'f'.repeat(64), created_at: at, expires_at: at });
    await db('users').where({ id: staffId }).delete();
    expect(await db('staff_sessions').count({ n: '*' })).toEqual([{ n: 0 }]);
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
      const before = await userTables();
      await db.migrate.up({ migrationSource });
      expect((await appliedMigrations()).at(-1)).toBe(name);
      const added = await userTables();
      expect(added.length).toBeGreaterThan(before.length);
      await db.migrate.down({ migrationSource });
      expect(await userTables()).toEqual(before);
      await db.migrate.up({ migrationSource });
      expect(await userTables()).toEqual(added);
    }
    expect(await userTables()).toEqual(TABLES);
    expect(await appliedMigrations()).toEqual(all);
  });
});
