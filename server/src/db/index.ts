import knex, { type Knex } from 'knex';
import fs from 'node:fs';
import path from 'node:path';
import { migrationSource } from './migrations/index';

export type Db = Knex;

/** Opens the SQLite database file (created with its folder) and brings the schema up to date. */
export async function openDatabase(file: string): Promise<Db> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = knex({
    client: 'sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      afterCreate: (conn: { run(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null) => void) => {
        conn.run('PRAGMA foreign_keys = ON', (err) => {
          if (err) return done(err);
          conn.run('PRAGMA journal_mode = WAL', done);
        });
      },
    },
  });
  await db.migrate.latest({ migrationSource });
  return db;
}

/** Timestamps come back as ISO text (SQLite) or Date (PostgreSQL): normalise to ISO strings. */
export function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return new Date(v).toISOString();
  return String(v);
}

export const now = (): string => new Date().toISOString();

/** A unique key refused the write: PostgreSQL says 23505; SQLite says SQLITE_CONSTRAINT, "UNIQUE constraint failed" (a primary key too). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '23505' || (e?.code === 'SQLITE_CONSTRAINT' && /UNIQUE constraint/.test(String(e.message)));
}
