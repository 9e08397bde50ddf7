import type { Knex } from 'knex';
import type { Db } from '../db/index';

type Row = Record<string, unknown>;
export type FileRecord = { id: string; conversationId: string; name: string; type: string; size: number };

/** The records of files sent in conversations (the bytes are in the file store). */
export class FileRecords {
  constructor(private readonly db: Db) {}

  /** How many files, and how many bytes, a conversation holds. */
  async usage(conversationId: string, q: Knex = this.db): Promise<{ files: number; bytes: number }> {
    const [row] = (await q('files').where({ conversation_id: conversationId }).count({ n: '*' }).sum({ b: 'size' })) as [{ n: number | string; b: number | string | null }];
    return { files: Number(row.n), bytes: Number(row.b ?? 0) };
  }

  /**
   * Records an uploaded file unless the conversation would then hold more than `max` files or
   * bytes (false). The conversation's row is written first — a no-op that PostgreSQL holds a lock
   * for (SQLite has one writer) — so uploads that overlap are counted one after the other.
   */
  async insert(f: FileRecord, at: string, max: { files: number; bytes: number }): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      await trx('conversations').where({ id: f.conversationId }).update({ state: trx.ref('state') });
      const used = await this.usage(f.conversationId, trx);
      if (used.files >= max.files || used.bytes + f.size > max.bytes) return false;
      await trx('files').insert({ id: f.id, conversation_id: f.conversationId, name: f.name, type: f.type, size: f.size, created_at: at });
      return true;
    });
  }

  async remove(id: string): Promise<void> {
    await this.db('files').where({ id }).delete();
  }

  async get(id: string): Promise<FileRecord | null> {
    const r = await this.db('files').where({ id }).first<Row | undefined>();
    return r ? { id: String(r.id), conversationId: String(r.conversation_id), name: String(r.name), type: String(r.type), size: Number(r.size) } : null;
  }
}
