/**
 * The page a shopper called from, reduced to what an agent needs to see: origin and path.
 *
 * Shop URLs carry personal data in their query and fragment (order keys, e-mail addresses,
 * session and tracking ids) and sometimes credentials in the userinfo part; none of that is
 * stored or shown. Only http(s) URLs are kept: anything else (javascript:, data:, file:, blob:,
 * about:, ...) would at best be useless and at worst a script URL rendered as a link.
 */
export const MAX_PAGE_URL_LENGTH = 2048;

/** `https://` or `http://` at the very start; no leading blanks, no tab/newline tricks. */
const HTTP_PREFIX = /^https?:\/\//i;
/** The URL parser silently drops tabs and newlines and trims blanks; refuse them instead. */
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/;
/** A trailing `%` or `%X`, left by the length cap cutting a percent-escape in two. */
const CUT_ESCAPE = /%[0-9a-f]?$/i;

export function sanitizePageUrl(raw: string): string | null {
  if (typeof raw !== 'string' || !HTTP_PREFIX.test(raw) || CONTROL_OR_SPACE.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const kept = url.origin + url.pathname;
  if (kept.length <= MAX_PAGE_URL_LENGTH) return kept;
  // Cut the path, never the host: a shortened host name would be another site.
  if (url.origin.length >= MAX_PAGE_URL_LENGTH) return null;
  return kept.slice(0, MAX_PAGE_URL_LENGTH).replace(CUT_ESCAPE, '');
}
