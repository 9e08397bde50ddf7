import { isUniqueViolation, type Db } from '../db/index';

const PURGE_EVERY_MS = 60_000;

/**
 * One-time values (ticket ids, shop signature nonces). `use` succeeds once per nonce: the insert
 * is the compare-and-set, so it holds across nodes sharing one database. Rows are kept until the
 * token that carried the nonce has expired anyway, then purged.
 */
export class NonceStore {
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly db: Db) {
    this.timer = setInterval(() => void this.purge().catch(() => {}), PURGE_EVERY_MS);
    this.timer.unref();
  }

  /** True the first time a nonce is used, false on any replay. */
  async use(nonce: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.db('used_nonces').insert({ nonce, expires_at: expiresAt.toISOString() });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async purge(): Promise<number> {
    return this.db('used_nonces').where('expires_at', '<', new Date().toISOString()).delete();
  }

  close(): void {
    clearInterval(this.timer);
  }
}
