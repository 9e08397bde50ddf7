import { EndedBy, EndReason, ErrorCode, MediaEndReason } from '../../../protocol/index';
import { en } from './en';
import { LOCALES, type Lang } from './lang';
import { zh } from './zh';

export { launcherText } from './launcher';
export { LOCALES, langOf, pickLanguage, type Lang } from './lang';

/**
 * The widget's string catalogue: every text the shopper sees comes from here. English defines
 * the keys; each language is a `Catalogue`, so a missing or extra key is a type error. Texts
 * with a value in them are functions (`wait.estimate(3, 120_000)`).
 */
export type Catalogue = typeof en;

export const catalogues: Readonly<Record<Lang, Catalogue>> = { en, zh };


export const catalogue = (lang: Lang): Catalogue => catalogues[lang];

const has = <T extends object>(table: T, key: unknown): key is keyof T => typeof key === 'string' && Object.hasOwn(table, key);

/** The shopper's words for an error code (any string: codes arrive from the wire); the generic text for an unknown one. */
export function errorText(t: Catalogue, code: ErrorCode | string | null | undefined): string {
  return has(t.errors, code) ? t.errors[code] : t.errorGeneric;
}

/** Why the conversation ended; a hang-up says who hung up. */
export function endText(t: Catalogue, end: { reason: EndReason | null; endedBy: EndedBy | null }): string {
  if (end.reason === EndReason.Hangup || end.reason === null) {
    if (end.endedBy === EndedBy.Shopper) return t.endedByYou;
    if (end.endedBy === EndedBy.Agent) return t.endedByAgent;
  }
  return has(t.ended, end.reason) ? t.ended[end.reason] : t.endedDefault;
}

/** Why a voice or video call inside the conversation ended (the chat goes on). */
export function mediaEndText(t: Catalogue, reason: MediaEndReason | null): string {
  return has(t.mediaEnded, reason) ? t.mediaEnded[reason] : t.mediaEnded[MediaEndReason.Stopped];
}

/** A message's time as the chosen language writes hours and minutes ("09:05", "09:05 AM"); '' when unreadable. */
export function formatTime(lang: Lang, iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  let f = timeFormats.get(lang);
  if (!f) timeFormats.set(lang, (f = new Intl.DateTimeFormat(LOCALES[lang], { hour: '2-digit', minute: '2-digit' })));
  return f.format(d);
}
const timeFormats = new Map<Lang, Intl.DateTimeFormat>();

/** A file size in kB (at least 1) below 1 MB, else in MB with one decimal. */
export function formatSize(lang: Lang, bytes: number): string {
  const mb = bytes >= 1024 * 1024;
  const value = mb ? bytes / (1024 * 1024) : Math.max(1, Math.round(bytes / 1024));
  return new Intl.NumberFormat(LOCALES[lang], { style: 'unit', unit: mb ? 'megabyte' : 'kilobyte', unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
}

/** A date and time as the chosen language writes them ("May 12, 2026, 9:05 AM", "2026年5月12日 09:05"); '' when unreadable. */
export function formatDateTime(lang: Lang, iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  let f = dateTimeFormats.get(lang);
  if (!f) dateTimeFormats.set(lang, (f = new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium', timeStyle: 'short' })));
  return f.format(d);
}
const dateTimeFormats = new Map<Lang, Intl.DateTimeFormat>();

/**
 * What the panel says outside business hours: when the shop opens again — today, tomorrow, a
 * weekday within the week or a date, with the time — in the chosen language and the browser's
 * time zone (`nextOpening` is an instant); just "closed" when no opening is known.
 */
export function closedText(t: Catalogue, lang: Lang, nextOpening: string | null, now: Date = new Date()): string {
  const at = nextOpening ? new Date(nextOpening) : null;
  if (!at || Number.isNaN(at.getTime())) return t.offline.closed;
  // "9:00 AM" in English, "09:00" in Chinese.
  const time = new Intl.DateTimeFormat(LOCALES[lang], { hour: lang === 'zh' ? '2-digit' : 'numeric', minute: '2-digit' }).format(at);
  const days = localDay(at) - localDay(now);
  if (days <= 0) return t.offline.closedToday(time);
  if (days === 1) return t.offline.closedTomorrow(time);
  const day = new Intl.DateTimeFormat(LOCALES[lang], days < 7 ? { weekday: 'long' } : { weekday: 'long', month: 'long', day: 'numeric' }).format(at);
  return t.offline.closedOn(day, time);
}
/** A local calendar day as a number (days since 1970-01-01), whatever the time of day and daylight saving. */
const localDay = (d: Date) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86_400_000;
