/** Small display helpers shared by the tables, header and chart. */
import type { Catalogue } from './i18n/index';

const two = (n: number): string => String(n).padStart(2, '0');

/** HH:MM:SS in local time; '—' for null or unparsable input. */
export function clockTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A short duration in the catalogue's units: 45s, 3m, 1h 5m. */
export function duration(ms: number, units: Catalogue['units']): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return units.seconds(s);
  const m = Math.floor(s / 60);
  if (m < 60) return units.minutes(m);
  return units.hoursMinutes(Math.floor(m / 60), m % 60);
}

/** A wait as M:SS (or H:MM:SS), the way queues are usually shown. */
export function waitTime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

export function since(iso: string, now: number): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : now - t;
}

/** A measurement with its unit (from the catalogue, or a symbol such as %); '—' when there is none. */
export function metric(value: number | null | undefined, unit: string, digits = 0): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(digits)} ${unit}`;
}

/** A date and time in the page's language ("Nov 29, 14:03"; the year when it is not this one); '—' for none. */
export function dateTime(iso: string | null, lang: 'en' | 'zh', now = Date.now()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-US', {
    ...(sameYear ? {} : { year: 'numeric' }),
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

/** An average rating out of 5 as "★ 4.0"; '—' when nobody rated. */
export function stars(avg: number | null): string {
  return avg === null ? '—' : `★ ${avg.toFixed(1)}`;
}

/** A file size in B, KB or MB (units that read the same in both languages). */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A share (0–1) as a whole percent, rounded down (84.6 % is "84%": the figure never shows a goal as met when it is not); '—' for none. */
export function percent(share: number | null): string {
  return share === null ? '—' : `${Math.floor(share * 100 + 1e-9)}%`;
}
