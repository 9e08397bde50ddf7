/**
 * Business hours (server/src/sites/hours.ts) on examples — daylight saving in the site's time zone
 * both ways, a day whose opening never exists, closed dates, 24:00 — and on random weeks, time
 * zones and instants (many of them around offset changes): an instant inside an interval is open;
 * the next opening is open, not before the instant, and nothing between them is open (checked
 * minute by minute); in UTC and a fixed offset isOpen agrees with arithmetic on the clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusinessHours, WEEKDAYS, type OpeningInterval } from '../../protocol/index';
import { isOpen, nextOpening } from '../../server/src/sites/hours';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const hours = (timezone: string, weekly: Partial<Record<(typeof WEEKDAYS)[number], [string, string][]>>, closedDates: string[] = []) =>
  BusinessHours.parse({
    timezone,
    weekly: Object.fromEntries(Object.entries(weekly).map(([d, list]) => [d, list.map(([from, to]) => ({ from, to }))])),
    closedDates,
  });
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('business hours (examples)', () => {
  const office = hours('Europe/Berlin', { mon: [['09:00', '12:30'], ['13:30', '18:00']], tue: [['09:00', '18:00']], sat: [['10:00', '14:00']] }, ['2026-12-22']);

  it('no business hours: open always, and the next opening is now', () => {
    expect(isOpen(null, at('2026-12-25T03:00:00Z'))).toBe(true);
    expect(iso(nextOpening(null, at('2026-12-25T03:00:00Z')))).toBe('2026-12-25T03:00:00.000Z');
  });

  it('reads the wall clock of the site’s time zone: intervals include their start and exclude their end', () => {
    // Monday 2026-12-21, Berlin is UTC+1 in winter.
    expect(isOpen(office, at('2026-12-21T07:59:59Z'))).toBe(false);
    expect(isOpen(office, at('2026-12-21T08:00:00Z'))).toBe(true);
    expect(isOpen(office, at('2026-12-21T11:29:59Z'))).toBe(true);
    expect(isOpen(office, at('2026-12-21T11:30:00Z'))).toBe(false);
    expect(iso(nextOpening(office, at('2026-12-21T11:45:00Z')))).toBe('2026-12-21T12:30:00.000Z');
    // In summer (UTC+2) the same wall clock is an hour earlier in UTC.
    expect(isOpen(office, at('2026-06-01T07:00:00Z'))).toBe(true);
    expect(isOpen(office, at('2026-06-01T06:59:00Z'))).toBe(false);
  });

  it('skips closed dates and closed days to the next opening', () => {
    // Monday evening → Tuesday 22 December is a holiday → Saturday 26th at 10:00.
    expect(iso(nextOpening(office, at('2026-12-21T18:00:00Z')))).toBe('2026-12-26T09:00:00.000Z');
    expect(isOpen(office, at('2026-12-22T10:00:00Z'))).toBe(false);
  });

  it('spring forward: an opening time inside the skipped hour opens when the clock jumps past it', () => {
    // Sunday 2026-03-29 in Berlin: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
    const h = hours('Europe/Berlin', { sun: [['02:30', '05:00']] });
    expect(isOpen(h, at('2026-03-29T00:59:59Z'))).toBe(false);
    expect(iso(nextOpening(h, at('2026-03-29T00:30:00Z')))).toBe('2026-03-29T01:00:00.000Z');
    expect(isOpen(h, at('2026-03-29T02:59:00Z'))).toBe(true);
    expect(isOpen(h, at('2026-03-29T03:00:00Z'))).toBe(false);
  });

  it('spring forward: an interval wholly inside the skipped hour does not open that day', () => {
    const h = hours('Europe/Berlin', { sun: [['02:00', '03:00']] });
    expect(iso(nextOpening(h, at('2026-03-28T12:00:00Z')))).toBe('2026-04-05T00:00:00.000Z');
  });

  it('fall back: an interval in the repeated hour opens twice', () => {
    // Sunday 2026-11-01 in New York: 02:00 EDT becomes 01:00 EST at 06:00 UTC.
    const h = hours('America/New_York', { sun: [['01:00', '01:30']] });
    expect(iso(nextOpening(h, at('2026-11-01T04:00:00Z')))).toBe('2026-11-01T05:00:00.000Z');
    expect(isOpen(h, at('2026-11-01T05:29:00Z'))).toBe(true);
    expect(isOpen(h, at('2026-11-01T05:45:00Z'))).toBe(false);
    expect(iso(nextOpening(h, at('2026-11-01T05:45:00Z')))).toBe('2026-11-01T06:00:00.000Z');
    expect(iso(nextOpening(h, at('2026-11-01T06:30:00Z')))).toBe('2026-11-08T06:00:00.000Z');
    // Back inside an interval by the clock going back, not by reaching its start: open at the change.
    const late = hours('America/New_York', { sun: [['00:00', '01:30']] });
    expect(iso(nextOpening(late, at('2026-11-01T05:45:00Z')))).toBe('2026-11-01T06:00:00.000Z');
  });

  it('24:00 closes at the end of the day; the next day opening at 00:00 runs on through midnight', () => {
    const h = hours('Asia/Shanghai', { fri: [['20:00', '24:00']], sat: [['00:00', '02:00']] });
    // Friday 2026-12-25 23:59 and Saturday 00:30 in Shanghai (UTC+8).
    expect(isOpen(h, at('2026-12-25T15:59:00Z'))).toBe(true);
    expect(isOpen(h, at('2026-12-25T16:30:00Z'))).toBe(true);
    expect(isOpen(h, at('2026-12-25T18:00:00Z'))).toBe(false);
  });

  it('never opens: no intervals at all', () => {
    expect(nextOpening(hours('UTC', {}), at('2026-01-01T00:00:00Z'))).toBeNull();
    expect(isOpen(hours('UTC', {}), at('2026-01-01T00:00:00Z'))).toBe(false);
  });

  it('validates the shape: known time zones, intervals that close after they open, real dates', () => {
    expect(BusinessHours.parse({ timezone: 'europe/berlin', weekly: {} }).timezone).toBe('Europe/Berlin');
    expect(BusinessHours.parse({ timezone: 'UTC', weekly: {} }).weekly.sun).toEqual([]);
    for (const bad of [
      { timezone: 'Mars/Olympus', weekly: {} },
      { timezone: 'UTC', weekly: { mon: [{ from: '10:00', to: '09:00' }] } },
      { timezone: 'UTC', weekly: { mon: [{ from: '24:00', to: '24:00' }] } },
      { timezone: 'UTC', weekly: { mon: [{ from: '9:00', to: '17:00' }] } },
      { timezone: 'UTC', weekly: { funday: [] } },
      { timezone: 'UTC', weekly: {}, closedDates: ['2026-02-30'] },
      { timezone: 'UTC', weekly: {}, extra: 1 },
      { timezone: 'UTC', weekly: { mon: [{ from: '09:00', to: '17:00' }, { from: '12:00', to: '13:00' }] } },
      { timezone: 'UTC', weekly: { mon: [{ from: '09:00', to: '17:00' }, { from: '09:00', to: '17:00' }] } },
    ])
      expect(BusinessHours.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

// ---- properties ------------------------------------------------------------------------------

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Asia/Shanghai', 'Pacific/Chatham', 'America/Santiago', 'America/Sao_Paulo'];
/** Offset changes of those zones (UTC), to put instants near. */
const CHANGES = [
  '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-04-04T16:00:00Z', '2026-10-03T16:00:00Z',
  '2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z', '2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z', '2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z',
].map(at);

/** Up to three intervals of a day that do not overlap (they may touch): distinct minute marks, sorted, taken in pairs. */
const dayIntervals: fc.Arbitrary<OpeningInterval[]> = fc.uniqueArray(fc.integer({ min: 0, max: 1440 }), { maxLength: 6 }).map((marks) => {
  const m = [...marks].sort((a, b) => a - b);
  return Array.from({ length: Math.floor(m.length / 2) }, (_, i) => ({ from: hhmm(m[2 * i]!), to: hhmm(m[2 * i + 1]!) }));
});
const week = fc.record(Object.fromEntries(WEEKDAYS.map((d) => [d, dayIntervals])) as Record<(typeof WEEKDAYS)[number], fc.Arbitrary<OpeningInterval[]>>);
const instant = fc.oneof(
  fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2030-12-31T00:00:00Z') }),
  fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -2 * DAY, max: 2 * DAY })).map(([c, d]) => c + d),
);
const site = fc.tuple(fc.constantFrom(...ZONES), week, instant, fc.array(fc.integer({ min: -3, max: 10 }), { maxLength: 3 })).map(([timezone, weekly, t, holidays]) => ({
  t,
  h: BusinessHours.parse({ timezone, weekly, closedDates: [...new Set(holidays.map((d) => new Date(t + d * DAY).toISOString().slice(0, 10)))] }),
}));

describe('business hours (properties)', () => {
  it('the next opening is open, not before the instant, and nothing between them is open', () => {
    fc.assert(
      fc.property(site, ({ h, t }) => {
        const n = nextOpening(h, t);
        const any = Object.values(h.weekly).some((d) => d.length > 0);
        if (n === null) {
          // Never opens: only when no day has an interval (an expect's own value is not the property's answer).
          expect(any).toBe(false);
          return;
        }
        const next = n.getTime();
        expect(next).toBeGreaterThanOrEqual(t);
        expect(isOpen(h, next)).toBe(true);
        if (next === t) return;
        // Open and closed change only on whole minutes (every offset of these zones is whole minutes).
        expect(isOpen(h, t)).toBe(false);
        expect(isOpen(h, next - 1)).toBe(false);
        const first = Math.ceil(t / MIN) * MIN;
        const last = next - MIN;
        const scan = (a: number, b: number) => {
          for (let m = a; m <= b; m += MIN) expect(isOpen(h, m), new Date(m).toISOString()).toBe(false);
        };
        if (last - first <= 3 * DAY) scan(first, last);
        else {
          scan(first, first + DAY);
          scan(last - DAY, last);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an instant whose wall-clock minute is inside an interval of its weekday is open, unless its date is closed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 600 }), fc.boolean(), (timezone, t, before, after, holiday) => {
        const parts = Object.fromEntries(
          new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short' })
            .formatToParts(t)
            .map((p) => [p.type, p.value]),
        );
        const minute = Number(parts.hour) * 60 + Number(parts.minute);
        const day = WEEKDAYS[['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!)]!;
        const date = `${parts.year}-${parts.month}-${parts.day}`;
        const h = BusinessHours.parse({
          timezone,
          weekly: { [day]: [{ from: hhmm(Math.max(0, minute - before)), to: hhmm(Math.min(1440, minute + after)) }] },
          closedDates: holiday ? [date] : [],
        });
        expect(isOpen(h, t)).toBe(!holiday);
      }),
      { numRuns: 500 },
    );
  });

  it('in UTC and at a fixed offset, isOpen is arithmetic on the clock', () => {
    fc.assert(
      fc.property(fc.constantFrom(['UTC', 0], ['Asia/Kolkata', 330], ['Asia/Shanghai', 480]), week, instant, ([timezone, offsetMin], weekly, t) => {
        const h = BusinessHours.parse({ timezone, weekly });
        const local = new Date(t + offsetMin * MIN);
        const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
        const list = h.weekly[WEEKDAYS[(local.getUTCDay() + 6) % 7]!];
        const mins = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
        expect(isOpen(h, t)).toBe(list.some((i) => mins(i.from) <= minute && minute < mins(i.to)));
      }),
      { numRuns: 500 },
    );
  });
});
