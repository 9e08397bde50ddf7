import type { z } from 'zod';
import { BusinessHours, CounterpartError, ErrorCode, WEEKDAYS, type OpeningInterval } from '../../../protocol/index';
import type { Db } from '../db/index';
import { isOpen, nextOpening } from './hours';

type Row = Record<string, unknown>;
/** What setHours takes: the protocol's shape before its defaults (days left out are closed). */
export type BusinessHoursInput = z.input<typeof BusinessHours>;

/**
 * Business hours per site, stored (`site_hours`, `site_hours_intervals`, `site_closed_dates`).
 * No row: the site is open always. Every read goes to the database (one indexed read per
 * question), so a change — an admin's, another node's — counts at once.
 */
export class HoursStore {
  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The site's business hours; null: none stored (open always). */
  async getHours(siteId: number): Promise<BusinessHours | null> {
    const head = await this.db('site_hours').where({ site_id: siteId }).first<Row | undefined>();
    if (!head) return null;
    const intervals: Row[] = await this.db('site_hours_intervals').where({ site_id: siteId }).orderBy(['weekday', 'opens', 'id']);
    const dates: Row[] = await this.db('site_closed_dates').where({ site_id: siteId }).orderBy('date');
    const weekly = Object.fromEntries(WEEKDAYS.map((d) => [d, [] as OpeningInterval[]])) as BusinessHours['weekly'];
    for (const r of intervals) weekly[WEEKDAYS[Number(r.weekday) - 1]!]?.push({ from: String(r.opens), to: String(r.closes) });
    // Stored through the schema, read back through it: a row edited by hand into nonsense is refused here, not at every use.
    return BusinessHours.parse({ timezone: String(head.timezone), weekly, closedDates: dates.map((r) => String(r.date)) });
  }

  /** Replaces the site's business hours (validated; `bad_request` names what is wrong); null: open always. */
  async setHours(siteId: number, hours: BusinessHoursInput | null): Promise<BusinessHours | null> {
    const parsed = hours === null ? null : BusinessHours.safeParse(hours);
    if (parsed && !parsed.success) {
      const i = parsed.error.issues[0];
      throw new CounterpartError(ErrorCode.BadRequest, `${i?.path.join('.') || 'hours'}: ${i?.message}`);
    }
    await this.db.transaction(async (trx) => {
      await this.clear(trx, siteId);
      if (parsed) await this.insert(trx, siteId, parsed.data);
    });
    return parsed ? parsed.data : null;
  }

  /** At start: the configured default, written only if the site has no business hours stored. True when written. */
  async ensureDefault(siteId: number, hours: BusinessHours | null): Promise<boolean> {
    if (!hours) return false;
    return this.db.transaction(async (trx) => {
      if (await trx('site_hours').where({ site_id: siteId }).first('site_id')) return false;
      await this.insert(trx, siteId, hours);
      return true;
    });
  }

  /** Whether the site takes requests now, and when it opens again (null while open, or when nothing opens ahead). */
  async availability(siteId: number): Promise<{ open: boolean; nextOpening: string | null }> {
    const hours = await this.getHours(siteId);
    const now = this.clock();
    if (isOpen(hours, now)) return { open: true, nextOpening: null };
    return { open: false, nextOpening: nextOpening(hours, now)?.toISOString() ?? null };
  }

  /** Refuses with `closed` outside the site's business hours. */
  async assertOpen(siteId: number): Promise<void> {
    const a = await this.availability(siteId);
    if (!a.open) throw new CounterpartError(ErrorCode.Closed, a.nextOpening ? `The shop is closed now; it opens again at ${a.nextOpening}. Leave a message instead.` : 'The shop is closed now. Leave a message instead.');
  }

  private async clear(trx: Db, siteId: number): Promise<void> {
    await trx('site_closed_dates').where({ site_id: siteId }).delete();
    await trx('site_hours_intervals').where({ site_id: siteId }).delete();
    await trx('site_hours').where({ site_id: siteId }).delete();
  }

  private async insert(trx: Db, siteId: number, h: BusinessHours): Promise<void> {
    await trx('site_hours').insert({ site_id: siteId, timezone: h.timezone, updated_at: new Date(this.clock()).toISOString() });
    const intervals = WEEKDAYS.flatMap((d, i) => h.weekly[d].map((x) => ({ site_id: siteId, weekday: i + 1, opens: x.from, closes: x.to })));
    if (intervals.length) await trx('site_hours_intervals').insert(intervals);
    const dates = [...new Set(h.closedDates)].map((date) => ({ site_id: siteId, date }));
    if (dates.length) await trx('site_closed_dates').insert(dates);
  }
}
