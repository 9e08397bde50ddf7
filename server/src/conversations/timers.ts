type Entry = { at: number; fn: () => void; timer: NodeJS.Timeout };

/** Named timers: one per key, re-armed by key (a deadline stored in the database gets one here). */
export class Timers {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Runs `fn` at epoch-ms `at` on this clock (at once if past). Replaces the key's previous timer. */
  arm(key: string, at: number, fn: () => void): void {
    this.disarm(key);
    if (this.stopped) return;
    const timer = setTimeout(() => this.fire(key), Math.min(Math.max(0, at - this.now()), 2 ** 31 - 1));
    this.entries.set(key, { at, fn, timer });
  }

  private fire(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    e.fn();
  }

  disarm(key: string): void {
    const e = this.entries.get(key);
    if (e) clearTimeout(e.timer);
    this.entries.delete(key);
  }

  /** Disarms every key starting with `prefix`. */
  disarmAll(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.disarm(key);
  }

  /** When the key fires (epoch ms), if armed. */
  dueAt(key: string): number | null {
    return this.entries.get(key)?.at ?? null;
  }

  /** Fires now every timer due by the clock (a clock that jumps, as in tests, does not wait for setTimeout). */
  runDue(): number {
    const due = [...this.entries.entries()].filter(([, e]) => e.at <= this.now()).sort((a, b) => a[1].at - b[1].at);
    for (const [key, e] of due) {
      clearTimeout(e.timer);
      this.fire(key);
    }
    return due.length;
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) clearTimeout(e.timer);
    this.entries.clear();
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

  /** Runs `fn` holding the locks of every key (taken one after another, in sorted order). */
  runMany<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const hold = (i: number): Promise<T> => (i === sorted.length ? fn() : this.run(sorted[i]!, () => hold(i + 1)));
    return hold(0);
  }

  /** Resolves when every task queued so far has settled. */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.all([...this.tails.values()]);
  }
}
