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

/** The dashboard follows the browser's languages, in the user's order of preference. */
export function dashboardLang(): Lang {
  // Read through typeof: this module also loads in tests, where there may be no navigator.
  if (typeof navigator === 'undefined') return 'en';
  return langOf([...(navigator.languages ?? []), navigator.language]);
}

/** The page's language and its texts, chosen once when the page loads. */
export const lang: Lang = dashboardLang();
export const t: Catalogue = catalogues[lang];
