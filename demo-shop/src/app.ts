/**
 * The demo shop: a stand-in for a merchant's WooCommerce store (storefront, admin, REST API v3).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createAdminRouter } from './admin';
import { createApiRouter, noRoute } from './api';
import { createStorefrontRouter } from './storefront';

export interface ShopOptions {
  /** Where the Counterpart server runs (the widget loader is served from there). */
  counterpartUrl: string;
  siteKey: string;
  /** Shared with Counterpart: signs the signed-in customer's id for the widget. */
  identitySecret: string;
  /** WooCommerce REST API credentials. */
  consumerKey: string;
  consumerSecret: string;
}

export function createShopApp(opts: ShopOptions): Koa {
  const app = new Koa();
  app.proxy = false;

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.app.emit('error', err, ctx);
      ctx.status = 500;
      if (ctx.path.startsWith('/wp-json')) {
        ctx.body = { code: 'internal_server_error', message: 'There has been a critical error on this website.', data: { status: 500 } };
      } else {
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = 'There has been a critical error on this website.';
      }
    }
  });
  app.use(noRoute);

  const routers = [
    createApiRouter({ consumerKey: opts.consumerKey, consumerSecret: opts.consumerSecret }),
    createAdminRouter(),
    createStorefrontRouter(opts),
  ];
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}

export async function startShop(
  opts: ShopOptions & { port: number; host?: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer(createShopApp(opts).callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
