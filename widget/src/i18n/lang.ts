/**
 * The widget's languages and how one is chosen. Imported by the loader (every shop page): keep it
 * tiny and free of other imports.
 */
export type Lang = 'en' | 'zh';

/** The BCP 47 locale of each language: Intl formatting and `lang` attributes (CJK glyph choice). */
export const LOCALES: Readonly<Record<Lang, string>> = { en: 'en', zh: 'zh-CN' };

/** The language of one tag ("zh-Hant-TW", "zh_CN", "EN-gb"), or null when the widget has none for it. */
export function langOf(tag: string | null | undefined): Lang | null {
  const m = /^\s*(en|zh)(?:[-_]|\s*$)/i.exec(tag ?? '');
  return m ? (m[1]!.toLowerCase() as Lang) : null;
}

/**
 * The site's setting (the script tag's `data-lang`) first, then `<html lang>`, then the browser's
 * `navigator.languages` in order of preference. A value the widget has no language for (empty,
 * "fr") is passed over; with nothing usable the widget speaks English. Every `zh*` is Chinese
 * (the catalogue is Simplified Chinese).
 */
export function pickLanguage(from: { siteLang?: string | null; htmlLang?: string | null; navigatorLanguages?: readonly string[] | null }): Lang {
  for (const tag of [from.siteLang, from.htmlLang, ...(from.navigatorLanguages ?? [])]) {
    const lang = langOf(tag);
    if (lang) return lang;
  }
  return 'en';
}
