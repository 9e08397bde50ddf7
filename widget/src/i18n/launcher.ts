import type { Lang } from './lang';

/**
 * The only strings the loader shows (the launcher button, before the app has loaded), in every
 * language. The loader is on every shop page, so it imports these and nothing else of the
 * catalogue; the full catalogue reuses them.
 */
export const launcherText: Record<Lang, { button: string; failed: string }> = {
  en: { button: 'Talk to us', failed: 'Unavailable, try again' },
  zh: { button: '联系客服', failed: '暂时无法连接，请重试' },
};
