/**
 * Business hours, pure: whether a site is open at an instant, and when it opens next. Wall-clock
 * times are read in the site's time zone with Intl.DateTimeFormat, so daylight saving is the
 * runtime's time zone data: a day that springs forward opens at the first instant its clock
 * reaches the opening time (or jumps past it), a day that falls back may open twice.
 */
import { WEEKDAYS, type BusinessHours, type OpeningInterval } from '../../../protocol/index';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** How far ahead an opening is looked for (a year of holidays and then some). */
const HORIZON_DAYS = 800;

/** The wall clock in a time zone: the date, minutes since midnight, the weekday (0 = Monday) and the offset from UTC. */
type Wall = { date: string; minutes: number; weekday: number; offsetMs: number };

const formats = new Map<string, Intl.DateTimeFormat>();
function formatFor(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(tz, f);
  }
  return f;
}

function wallAt(tz: string, ms: number): Wall {
  const p: Record<string, number> = {};
  for (const part of formatFor(tz).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const { year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = p;
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  return { date, minutes: hour * 60 + minute, weekday, offsetMs: asUtc - Math.floor(ms / 1000) * 1000 };
}

const offsetAt = (tz: string, ms: number): number => wallAt(tz, ms).offsetMs;
const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const intervalsOf = (h: BusinessHours, weekday: number): OpeningInterval[] => h.weekly[WEEKDAYS[weekday]!];

/** Whether the site is open at `at`. No business hours: open always. */
export function isOpen(h: BusinessHours | null, at: Date | number): boolean {
  if (!h) return true;
  const w = wallAt(h.timezone, +at);
  if (h.closedDates.includes(w.date)) return false;
  return intervalsOf(h, w.weekday).some((i) => minutesOf(i.from) <= w.minutes && w.minutes < minutesOf(i.to));
}

/**
 * The first instant at or after `at` when the site is open: `at` itself while open, null when
 * nothing opens within the horizon (no intervals at all, or only closed dates ahead).
 *
 * The site turns open only where the wall clock reaches an interval's start on a date that is not
 * closed, or where it jumps (a UTC offset change). For each local date from the day before `at`'s,
 * the candidates are each interval start at either offset in force around that date, and the
 * offset change within it if any; the answer is the earliest candidate that is open and not
 * before `at`.
 */
export function nextOpening(h: BusinessHours | null, at: Date | number): Date | null {
  const from = +at;
  if (isOpen(h, from)) return new Date(from);
  if (!h || !Object.values(h.weekly).some((d) => d.length > 0)) return null;
  const tz = h.timezone;
  const start = Date.parse(`${wallAt(tz, from).date}T00:00:00Z`) - DAY;
  let best: number | null = null;
  for (let d = 0; d < HORIZON_DAYS; d++) {
    // The date as if it were UTC; the instants whose wall clock shows this date are within 14 h before to 12 h after.
    const midnight = start + d * DAY;
    if (best !== null && midnight - 14 * HOUR > best) break;
    const lo = midnight - 14 * HOUR;
    const hi = midnight + DAY + 12 * HOUR;
    const offsets = new Set([offsetAt(tz, lo), offsetAt(tz, hi)]);
    const candidates: number[] = [];
    if (offsets.size > 1) candidates.push(changeBetween(tz, lo, hi));
    const weekday = (new Date(midnight).getUTCDay() + 6) % 7;
    for (const i of intervalsOf(h, weekday)) for (const off of offsets) candidates.push(midnight + minutesOf(i.from) * MINUTE - off);
    for (const c of candidates) if (c >= from && (best === null || c < best) && isOpen(h, c)) best = c;
  }
  return best === null ? null : new Date(best);
}

/** The instant the UTC offset changes between `lo` and `hi` (one change assumed; to the minute). */
function changeBetween(tz: string, lo: number, hi: number): number {
  const before = offsetAt(tz, lo);
  let a = Math.floor(lo / MINUTE);
  let b = Math.ceil(hi / MINUTE);
  // offsetAt(a) is `before`, offsetAt(b) is not: narrow to the first minute that is not.
  while (b - a > 1) {
    const m = Math.floor((a + b) / 2);
    if (offsetAt(tz, m * MINUTE) === before) a = m;
    else b = m;
  }
  return b * MINUTE;
}
