import type { Mount, WidgetConfig } from './config';
import { launcherText } from './i18n/launcher';
import { LOCALES, pickLanguage } from './i18n/lang';

// The one script a shop embeds. It stays tiny: a floating button; the UI loads on click, or at once
// when a conversation is going on (stored by the app for this shop's origin).
(() => {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script?.src || document.querySelector('counterpart-widget')) return;
  const d = script.dataset;
  const int = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : null);
  const config: WidgetConfig = {
    baseUrl: new URL(script.src).origin,
    siteKey: d.siteKey ?? '',
    productId: int(d.productId),
    vouchUrl: d.customerVouchUrl ?? null,
    lang: d.lang?.trim() || null,
  };
  const lang = pickLanguage({ siteLang: config.lang, htmlLang: document.documentElement.lang, navigatorLanguages: navigator.languages });
  const text = launcherText[lang];
  const host = document.createElement('counterpart-widget');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML =
    '<style>.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483647;border:0;border-radius:28px;padding:14px 20px;' +
    'font:600 15px system-ui,sans-serif;color:#fff;background:#0b6b5d;box-shadow:0 4px 16px #0003;cursor:pointer}' +
    '.launcher:focus-visible{outline:3px solid #7fd3c4}</style>' +
    '<button class="launcher" data-testid="cp-launcher" aria-haspopup="dialog"></button>';
  const launcher = root.querySelector('button')!;
  launcher.textContent = text.button;
  launcher.lang = LOCALES[lang];
  let loading: Promise<void> | null = null;
  const load = () =>
    (loading ??= import(/* @vite-ignore */ `${config.baseUrl}/widget/app.js`)
      .then((m: { mount: Mount }) => m.mount(root, launcher, config))
      .catch(() => {
        loading = null;
        launcher.textContent = text.failed;
      }));
  launcher.addEventListener('click', () => void load());
  document.body.append(host);
  // A conversation going on from another page of the shop: load at once, it resumes by itself.
  try {
    if (localStorage.getItem(`counterpart:${config.siteKey}`)) void load();
  } catch {
    // storage disabled: nothing to resume
  }
})();
