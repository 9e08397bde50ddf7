/**
 * A site's business hours as the form edits them, to and from the API's `BusinessHours`: open
 * always or by the hours; a time zone as typed; each weekday's intervals (a closing time of 00:00
 * is midnight, stored as 24:00, since a time input cannot hold 24:00); closed dates. What keeps a
 * draft from being saved is named per field. And a preview of "open now / opens at …" in the
 * site's own wall-clock time — a sketch for the admin, not the server's rule (server/src/sites/hours.ts
 * decides, daylight saving's skipped hour included).
 */
import { BusinessHours, MAX_CLOSED_DATES, MAX_INTERVALS_PER_DAY, WEEKDAYS, isTimeZone, type Weekday } from '../../../protocol/index';

export { MAX_CLOSED_DATES, MAX_INTERVALS_PER_DAY, WEEKDAYS, type Weekday };

export type IntervalRow = { key: number; from: string; to: string };
export type DateRow = { key: number; date: string };
export type HoursDraft = {
  mode: 'always' | 'hours';
  timezone: string;
  days: Record<Weekday, IntervalRow[]>;
  closed: DateRow[];
};

/** Why a draft cannot be saved: a key of the catalogue's `hours.problem`. */
export type IntervalProblem = 'noTime' | 'order' | 'overlap';
export type DraftCheck = {
  timezone: boolean;
  /** Per interval row (by key): what is wrong with it. */
  intervals: Map<number, IntervalProblem>;
  /** Per date row (by key): false when empty or not a date. */
  dates: Map<number, boolean>;
};

/** Common zones offered while typing (any IANA zone the browser knows is accepted). */
export const COMMON_ZONES: readonly string[] = [
  'UTC',
  'Europe/London',
  'Europe/Dublin',
  'Europe/Lisbon',
  'Europe/Berlin',
  'Europe/Paris',
  'Europe/Madrid',
  'Europe/Rome',
  'Europe/Amsterdam',
  'Europe/Zurich',
  'Europe/Stockholm',
  'Europe/Warsaw',
  'Europe/Athens',
  'Europe/Istanbul',
  'Europe/Moscow',
  'Africa/Cairo',
  'Africa/Lagos',
  'Africa/Johannesburg',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Bangkok',
  'Asia/Jakarta',
  'Asia/Singapore',
  'Asia/Shanghai',
  'Asia/Hong_Kong',
  'Asia/Taipei',
  'Asia/Seoul',
  'Asia/Tokyo',
  'Australia/Perth',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/Sao_Paulo',
  'America/Mexico_City',
  'America/New_York',
  'America/Toronto',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Vancouver',
  'Pacific/Honolulu',
];

/** The days "copy Monday" fills. */
export const WORKDAYS: readonly Weekday[] = ['tue', 'wed', 'thu', 'fri'];
/** A new site's first draft: weekdays 09:00–17:00. */
const FIRST_INTERVAL = { from: '09:00', to: '17:00' };

let nextKey = 1;
export const newInterval = (from = '', to = ''): IntervalRow => ({ key: nextKey++, from, to });
export const newDate = (date = ''): DateRow => ({ key: nextKey++, date });

/** The browser's own time zone (UTC when it does not say). */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function dateOk(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Sorted intervals and dates, no duplicate dates: how two business hours compare. */
export function normalise(h: BusinessHours): BusinessHours {
  const weekly = Object.fromEntries(
    WEEKDAYS.map((d) => [d, [...h.weekly[d]].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to))]),
  ) as BusinessHours['weekly'];
  return { timezone: h.timezone, weekly, closedDates: [...new Set(h.closedDates)].sort() };
}

export const sameHours = (a: BusinessHours | null, b: BusinessHours | null): boolean =>
  JSON.stringify(a && normalise(a)) === JSON.stringify(b && normalise(b));

export function toDraft(h: BusinessHours | null, zone = browserZone()): HoursDraft {
  const days = Object.fromEntries(WEEKDAYS.map((d) => [d, [] as IntervalRow[]])) as Record<Weekday, IntervalRow[]>;
  if (!h) {
    for (const d of ['mon', ...WORKDAYS] as Weekday[]) days[d].push(newInterval(FIRST_INTERVAL.from, FIRST_INTERVAL.to));
    return { mode: 'always', timezone: zone, days, closed: [] };
  }
  const n = normalise(h);
  for (const d of WEEKDAYS) days[d] = n.weekly[d].map((i) => newInterval(i.from, i.to === '24:00' ? '00:00' : i.to));
  return { mode: 'hours', timezone: n.timezone, days, closed: n.closedDates.map((x) => newDate(x)) };
}

/** Each field's state; `ok` when the draft can be sent. */
export function checkDraft(d: HoursDraft): DraftCheck & { ok: boolean } {
  const intervals = new Map<number, IntervalProblem>();
  for (const day of WEEKDAYS) {
    const rows = d.days[day];
    for (const r of rows) {
      if (!TIME.test(r.from) || !TIME.test(r.to)) intervals.set(r.key, 'noTime');
      else if (minutesOf(r.from) >= closing(r.to)) intervals.set(r.key, 'order');
    }
    const good = rows.filter((r) => !intervals.has(r.key)).sort((a, b) => minutesOf(a.from) - minutesOf(b.from));
    for (let i = 1; i < good.length; i++) {
      if (minutesOf(good[i]!.from) < closing(good[i - 1]!.to)) intervals.set(good[i]!.key, 'overlap');
    }
  }
  const dates = new Map(d.closed.map((r) => [r.key, dateOk(r.date)]));
  const timezone = isTimeZone(d.timezone.trim()) && d.timezone.trim().length <= 64;
  const ok = d.mode === 'always' || (timezone && intervals.size === 0 && [...dates.values()].every(Boolean));
  return { timezone, intervals, dates, ok };
}

/** A closing time in minutes: 00:00 is midnight at the day's end. */
const closing = (to: string): number => (to === '00:00' ? 24 * 60 : minutesOf(to));

/** The draft as the API takes it: null for open always; undefined while it is not valid. */
export function fromDraft(d: HoursDraft): BusinessHours | null | undefined {
  if (d.mode === 'always') return null;
  if (!checkDraft(d).ok) return undefined;
  const weekly = Object.fromEntries(WEEKDAYS.map((day) => [day, d.days[day].map((r) => ({ from: r.from, to: r.to === '00:00' ? '24:00' : r.to }))]));
  const parsed = BusinessHours.safeParse({ timezone: d.timezone.trim(), weekly, closedDates: d.closed.map((r) => r.date) });
  return parsed.success ? normalise(parsed.data) : undefined;
}

/** Monday's intervals, copied to Tuesday–Friday. */
export function copyMonday(d: HoursDraft): void {
  for (const day of WORKDAYS) d.days[day] = d.days.mon.map((r) => newInterval(r.from, r.to));
}

/** What the preview says: open until a time, or when it opens next (in days from today), or never. */
export type Preview =
  | { open: true; now: string; until: string }
  | { open: false; now: string; next: { inDays: number; weekday: Weekday; date: string; time: string } | null };

/** The wall clock in a zone: the date, minutes since midnight, the weekday and "HH:MM". */
function wallClock(tz: string, ms: number): { date: string; minutes: number; weekday: Weekday; time: string } {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(ms)) p[part.type] = part.value;
  const date = `${p.year}-${p.month}-${p.day}`;
  const time = `${p.hour}:${p.minute}`;
  return { date, minutes: minutesOf(time), weekday: weekdayOf(date), time };
}

const weekdayOf = (date: string): Weekday => WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;
const addDays = (date: string, n: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const endText = (m: number): string => (m >= 24 * 60 ? '24:00' : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);

/** Open now, or the next opening, by the site's wall clock (daylight saving's skipped hour not considered). */
export function preview(h: BusinessHours, ms: number): Preview {
  const w = wallClock(h.timezone, ms);
  const closed = new Set(h.closedDates);
  const day = (date: string) => (closed.has(date) ? [] : normalise(h).weekly[weekdayOf(date)]);
  const current = day(w.date).find((i) => minutesOf(i.from) <= w.minutes && w.minutes < minutesOf(i.to));
  if (current) {
    // Back-to-back intervals (and days ending at 24:00) run on: the open stretch ends where they stop.
    let end = minutesOf(current.to);
    for (let more = true; more; ) {
      more = false;
      for (const i of day(w.date)) if (minutesOf(i.from) <= end && minutesOf(i.to) > end) [end, more] = [minutesOf(i.to), true];
    }
    return { open: true, now: w.time, until: endText(end) };
  }
  for (let n = 0; n <= MAX_CLOSED_DATES + 7; n++) {
    const date = addDays(w.date, n);
    const opening = day(date).find((i) => n > 0 || minutesOf(i.from) > w.minutes);
    if (opening) return { open: false, now: w.time, next: { inDays: n, weekday: weekdayOf(date), date, time: opening.from } };
  }
  return { open: false, now: w.time, next: null };
}
