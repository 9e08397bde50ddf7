import { CounterpartError } from '../../../protocol/index';
import { en } from './en';
import { zh } from './zh';

export type Catalogue = typeof en;
export type Lang = 'en' | 'zh';
export const catalogues: Readonly<Record<Lang, Catalogue>> = { en, zh };

/** The first tag we have a catalogue for decides (`zh*` → Chinese, `en*` → English); else English. */
export function langOf(tags: readonly (string | null | undefined)[]): Lang {
  for (const t of tags) {
    if (t && /^zh([-_]|$)/i.test(t.trim())) return 'zh';
    if (t && /^en([-_]|$)/i.test(t.trim())) return 'en';
  }
  return 'en';
}

/** The console follows the browser's languages (the user's preference order), then its UI language. */
export function consoleLang(): Lang {
  // `chrome.i18n` in extension pages (read through globalThis: this module also loads in tests).
  const ui = (globalThis as { chrome?: { i18n?: { getUILanguage?: () => string } } }).chrome?.i18n?.getUILanguage?.() ?? null;
  return langOf([...(typeof navigator !== 'undefined' ? navigator.languages : []), ui]);
}

/** The overlay follows the admin page's language, else the browser's. */
export function overlayLang(): Lang {
  const page = document.documentElement.lang;
  return page ? langOf([page]) : consoleLang();
}

/** The text for an error: its code's, else the generic one (server messages are English only). */
export function errorText(t: Catalogue, err: unknown): string {
  const code = err instanceof CounterpartError ? err.code : typeof err === 'string' ? err : null;
  return (code && (t.errors as Record<string, string>)[code]) || t.errors.generic;
}

export function dateText(lang: Lang, iso: string): string {
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en', { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(iso));
}

export function timeText(lang: Lang, iso: string): string {
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en', { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}
