/** Named timers: one per key, re-armed by key (a deadline stored in the database gets one here). */
export class Timers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  /** Runs `fn` at epoch-ms `at` (at once if past). Replaces the key's previous timer. */
  arm(key: string, at: number, fn: () => void): void {
    this.disarm(key);
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      fn();
    }, Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1));
    this.timers.set(key, t);
  }

  disarm(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  /** Disarms every key starting with `prefix`. */
  disarmAll(prefix: string): void {
    for (const key of [...this.timers.keys()]) if (key.startsWith(prefix)) this.disarm(key);
  }

  has(key: string): boolean {
    return this.timers.has(key);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/** Runs tasks one at a time per key (a conversation's changes never interleave on this node). */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn, fn);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves when every task queued so far has settled. */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.all([...this.tails.values()]);
  }
}
