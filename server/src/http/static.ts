import type { Context, Next } from 'koa';
import send from 'koa-send';
import path from 'node:path';
import { Paths } from '../../../protocol/index';

/** Where the ticket page is served; a ticket link is `${origin}/ticket/#<token>` (server/src/tickets/desk.ts). */
const TICKET_PAGE = Paths.ticketPage;

/**
 * The built widget, dashboard and ticket page. The widget's files are loaded cross-origin by shop
 * pages (its loader imports its app as a module), so they carry CORS headers; they hold no secret.
 * The ticket page (`dist/ticket`) is a same-origin page with its token in the URL's fragment, which
 * never reaches the server: its HTML is revalidated on every visit (a new build's hashed script is
 * picked up at once); its hashed assets may be cached.
 * Source maps (`*.map`) are never served, even if a build left some in `root`: they would hand
 * out the unminified sources. Such a request gets a 404, like a missing file.
 */
export function staticFiles(root: string) {
  const widgetRoot = path.resolve(root, 'widget');
  const dashboardRoot = path.resolve(root, 'dashboard');
  const ticketRoot = path.resolve(root, 'ticket');
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === '/') return ctx.redirect(Paths.dashboard);
    if (ctx.path === Paths.widgetLoader || ctx.path.startsWith('/widget/')) {
      ctx.set('Access-Control-Allow-Origin', '*');
      ctx.set('Cache-Control', ctx.path === Paths.widgetLoader ? 'public, max-age=300' : 'public, max-age=3600');
      const file = ctx.path === Paths.widgetLoader ? 'widget.js' : ctx.path.slice('/widget/'.length);
      return serve(ctx, next, widgetRoot, file);
    }
    if (ctx.path === '/dashboard') return ctx.redirect(Paths.dashboard);
    if (ctx.path.startsWith(Paths.dashboard)) return serve(ctx, next, dashboardRoot, ctx.path.slice(Paths.dashboard.length) || 'index.html');
    if (ctx.path === TICKET_PAGE.slice(0, -1)) return ctx.redirect(TICKET_PAGE);
    if (ctx.path.startsWith(TICKET_PAGE)) {
      const file = ctx.path.slice(TICKET_PAGE.length) || 'index.html';
      return serve(ctx, next, ticketRoot, file, file === 'index.html' ? 'no-cache' : 'public, max-age=86400');
    }
    return next();
  };
}

/**
 * Is `file` (a URL path, still percent-encoded) a source map? Decoded and normalized the way
 * koa-send resolves it (one decodeURIComponent, then path normalization), so `app.js%2Emap`
 * and `app.js.map/.` are caught too.
 */
function isSourceMap(file: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(file);
  } catch {
    return false; // koa-send answers 400 for it
  }
  return /\.map$/i.test(path.normalize(decoded));
}

/** `cache`: the Cache-Control of a file found (a miss goes on to the next middleware without it). */
async function serve(ctx: Context, next: Next, root: string, file: string, cache?: string) {
  if (isSourceMap(file)) {
    ctx.status = 404;
    return;
  }
  try {
    await send(ctx, file, { root, index: 'index.html' });
    if (cache) ctx.set('Cache-Control', cache);
  } catch (err) {
    if ((err as { status?: number }).status === 404) return next();
    throw err;
  }
}
