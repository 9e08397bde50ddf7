import type { Context, Next } from 'koa';

/**
 * Security headers for every response the server sends: the API's JSON, the dashboard's HTML,
 * scripts and styles, and the widget files that shop pages load cross-origin.
 *
 * On every response:
 * - `X-Content-Type-Options: nosniff` — a browser runs a response as a script or applies it as a
 *   stylesheet only if its Content-Type says so (koa-send types the static files by extension).
 * - `Referrer-Policy: strict-origin-when-cross-origin` — not `no-referrer`: with `no-referrer` a
 *   browser sends `Origin: null` on the dashboard's own same-origin POSTs (Fetch spec, "append a
 *   request Origin header"), which defeats any Origin check on the API; and a cross-origin link
 *   (e.g. a product's permalink) only learns our origin, never a dashboard path or query.
 *
 * On HTML responses only (the dashboard, `dist/dashboard/index.html`, and the ticket page,
 * `dist/ticket/index.html`):
 * - a Content-Security-Policy of `'self'` sources only. What the built dashboard needs (checked
 *   with `vite build --config dashboard/vite.config.ts`): its module script and stylesheet
 *   under `/dashboard/assets/`; one inline `<style>` in index.html (hence `style-src
 *   'unsafe-inline'` — a hash would break on every edit of that block, and styles cannot run
 *   code); the `data:,` favicon (`img-src data:`); fetch to `/api` and a WebSocket to `/ws` on its
 *   own origin (`connect-src`). CSP Level 3 lets `'self'` match ws:/wss: of the same host, but
 *   older engines do not, so the request's own host is listed for ws: and wss: explicitly when the
 *   Host header is a plain host[:port] (anything else is left out rather than pasted into the
 *   policy). No eval, no inline script, no workers, no fonts from elsewhere. The ticket page fits
 *   the same policy: one module script under `/ticket/assets/`, its styles in a `<style>` it adds,
 *   fetch to `/api/public/ticket…` on its own origin, files it downloads handed over as `blob:`
 *   links (a download, not an image or a frame: no `img-src blob:` needed).
 * - `X-Frame-Options: DENY` next to `frame-ancestors 'none'` for browsers without CSP 2.
 *
 * Scripts (the widget's `widget.js` and `app.js`) get no CSP: a CSP on a script response does not
 * restrict the script, only documents and workers; the embedding shop page's own policy applies.
 */
export const REFERRER_POLICY = 'strict-origin-when-cross-origin';

/** host, host:port, IPv4[:port] or [IPv6][:port]: nothing that could end or add a CSP directive. */
const PLAIN_HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

export function contentSecurityPolicy(host: string): string {
  const ownSockets = PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self'${ownSockets}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

export function securityHeaders() {
  return async (ctx: Context, next: Next) => {
    // Set before `next()` so that they survive a downstream error rendered by the error middleware.
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', REFERRER_POLICY);
    await next();
    if (ctx.response.is('html')) {
      ctx.set('Content-Security-Policy', contentSecurityPolicy(ctx.host));
      ctx.set('X-Frame-Options', 'DENY');
    }
  };
}
