/**
 * Business hours of a site and what a shopper can do outside them: the site's weekly opening
 * intervals in its own time zone (with closed dates), whether it is open now, and the message a
 * shopper leaves when nobody can take the request (it becomes a ticket).
 */
import { z } from 'zod';
import { IssueType } from './constants';
import { line, prose } from './zod';

/** The days of the week, Monday first (ISO 8601). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Opening intervals one day may have. */
export const MAX_INTERVALS_PER_DAY = 8;
/** Closed dates (holidays) one site may list. */
export const MAX_CLOSED_DATES = 400;
/** An offline message: bounds of each field. */
export const MAX_OFFLINE_NAME_CHARS = 120;
export const MAX_OFFLINE_EMAIL_CHARS = 254;
export const MAX_OFFLINE_TEXT_CHARS = 4000;

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether a name is an IANA time zone this runtime knows ("Europe/Berlin", "UTC"). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A wall-clock time "HH:MM" (00:00–23:59); a closing time may also be "24:00" (the end of the day). */
const opensAt = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM (00:00–23:59)');
const closesAt = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'a time HH:MM (00:01–24:00)');

/** One opening interval of a day, in the site's wall-clock time: open from `from` (included) to `to` (excluded). */
export const OpeningInterval = z
  .object({ from: opensAt, to: closesAt })
  .strict()
  .refine((i) => minutesOf(i.from) < minutesOf(i.to), { message: 'an interval closes after it opens (overnight: end the day at 24:00 and open the next at 00:00)' });
export type OpeningInterval = z.infer<typeof OpeningInterval>;

/** A day's intervals, in order of opening; two that overlap are refused (ones that touch, 09:00–12:00 and 12:00–17:00, are fine). */
const day = z
  .array(OpeningInterval)
  .max(MAX_INTERVALS_PER_DAY)
  .default([])
  .transform((list) => [...list].sort((a, b) => minutesOf(a.from) - minutesOf(b.from)))
  .refine((list) => list.every((i, n) => n === 0 || minutesOf(list[n - 1]!.to) <= minutesOf(i.from)), 'the intervals of a day overlap');

/** A calendar date "YYYY-MM-DD" that exists. */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'a date that exists');

/**
 * A site's business hours. `weekly`: each weekday's opening intervals (a day left out or empty is
 * closed); `closedDates`: whole days closed (holidays), as dates in the site's time zone. A site
 * with no business hours stored is open always.
 */
export const BusinessHours = z
  .object({
    /** An IANA time zone; the intervals and dates are wall-clock times there (daylight saving included). */
    timezone: z
      .string()
      .min(1)
      .max(64)
      .refine(isTimeZone, 'an IANA time zone such as Europe/Berlin')
      // One spelling: "europe/berlin" is stored as "Europe/Berlin".
      .transform((tz) => new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone),
    weekly: z.object({ mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day }).strict(),
    /** Each date once, in order (what is answered and audited is what is stored). */
    closedDates: z.array(calendarDate).max(MAX_CLOSED_DATES).default([]).transform((dates) => [...new Set(dates)].sort()),
  })
  .strict();
export type BusinessHours = z.infer<typeof BusinessHours>;

/** GET /api/shopper/availability: whether the shop takes requests now. */
export const Availability = z.object({
  open: z.boolean(),
  /** When it opens again (ISO 8601); null while open, or when no opening is ahead. */
  nextOpening: z.string().nullable(),
  /** A shopper waiting this long with no agent is offered to leave a message instead. */
  offlineAfterMs: z.number().int().nonnegative(),
});
export type Availability = z.infer<typeof Availability>;


/**
 * POST /api/shopper/offline-message: a message left instead of a conversation (outside business
 * hours, or after waiting with no agent). It becomes a ticket (source `offline`); `conversationId`
 * names the request the shopper waited in (it ends as abandoned, and the ticket keeps it). The
 * answer is the ticket's signed link (`TicketLink`): files are added through it.
 */
export const OfflineMessageRequest = z
  .object({
    name: line(MAX_OFFLINE_NAME_CHARS),
    email: z.string().trim().toLowerCase().max(MAX_OFFLINE_EMAIL_CHARS).email(),
    text: prose(MAX_OFFLINE_TEXT_CHARS),
    issueType: z.enum(IssueType).default(IssueType.PreSale),
    conversationId: z.string().regex(/^[0-9a-f-]{36}$/).optional(),
  })
  .strict();
export type OfflineMessageRequest = z.input<typeof OfflineMessageRequest>;
