/** bench:call's figures: samples per side, quantiles, and the promise timeout the runners share. */

/** One measured call: ms from accept (or `peer.call()`) to the later side's remote video playing, and its marks. */
export type CallResult = { ms: number; timeline: [string, number][] };
export type Side = { samples: number[]; failures: string[]; timelines: CallResult['timeline'][] };
export const newSide = (): Side => ({ samples: [], failures: [], timelines: [] });

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

export const errText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** Linear interpolation between closest ranks (numpy's default). */
export function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export type Stats = { n: number; failed: number; p50: number; p95: number; min: number; max: number; mean: number } | { n: 0; failed: number };
const r1 = (x: number) => Math.round(x * 10) / 10;

export function stats(side: Side): Stats {
  const s = [...side.samples].sort((a, b) => a - b);
  if (s.length === 0) return { n: 0, failed: side.failures.length };
  return { n: s.length, failed: side.failures.length, p50: r1(quantile(s, 0.5)), p95: r1(quantile(s, 0.95)), min: r1(s[0]!), max: r1(s[s.length - 1]!), mean: r1(s.reduce((a, b) => a + b, 0) / s.length) };
}

/** The timeline of the call whose time is nearest the side's median. */
export function medianTimeline(side: Side): CallResult['timeline'] | null {
  if (side.samples.length === 0) return null;
  const s = [...side.samples].sort((a, b) => a - b);
  const p50 = quantile(s, 0.5);
  let best = 0;
  side.samples.forEach((x, i) => Math.abs(x - p50) < Math.abs(side.samples[best]! - p50) && (best = i));
  return side.timelines[best] ?? null;
}

export const ratio = (a: Stats, b: Stats, k: 'p50' | 'p95'): number | null => ('p50' in a && 'p50' in b && b[k] > 0 ? Math.round((a[k] / b[k]) * 100) / 100 : null);
