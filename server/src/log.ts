import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { svc: 'counterpart' }, redact: ['req.headers.authorization', '*.password', '*.token'] });
}

const SUMMARY_EVERY_MS = 10_000;

/**
 * Counts refusals (dropped frames, refused upgrades, rate-limited messages) and logs a summary at
 * most every 10 s with the counts and one sample each — never one line per event, so a flood
 * cannot grow the log. `totals` keeps every count since start.
 */
export class RefusalCounter {
  readonly totals = new Map<string, number>();
  private readonly window = new Map<string, { n: number; sample: Record<string, unknown> }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly log: Logger) {
    this.timer = setInterval(() => this.flush(), SUMMARY_EVERY_MS);
    this.timer.unref();
  }

  count(kind: string, sample: Record<string, unknown> = {}): void {
    this.totals.set(kind, (this.totals.get(kind) ?? 0) + 1);
    const w = this.window.get(kind);
    if (w) w.n++;
    else if (this.window.size < 64) this.window.set(kind, { n: 1, sample });
  }

  flush(): void {
    if (this.window.size === 0) return;
    const counts = Object.fromEntries([...this.window].map(([k, v]) => [k, v.n]));
    const samples = Object.fromEntries([...this.window].map(([k, v]) => [k, v.sample]));
    this.window.clear();
    this.log.warn({ counts, samples }, 'refused input (last 10 s)');
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
