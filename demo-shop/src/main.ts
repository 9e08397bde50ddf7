/**
 * Run the demo shop: `npx tsx demo-shop/src/main.ts`.
 */
import pino from 'pino';
import { startShop } from './app';

const env = process.env;
const log = pino({ name: 'demo-shop' });

const shop = await startShop({
  port: Number(env.SHOP_PORT ?? 4100),
  host: env.SHOP_HOST ?? '127.0.0.1',
  counterpartUrl: env.COUNTERPART_URL ?? 'http://localhost:4000',
  siteKey: env.SITE_KEY ?? 'demo-shop',
  identitySecret: env.SITE_IDENTITY_SECRET ?? 'demo-identity-secret',
  consumerKey: env.SHOP_CONSUMER_KEY ?? 'ck_demo',
  consumerSecret: env.SHOP_CONSUMER_SECRET ?? 'cs_demo',
});
log.info({ url: shop.url, admin: `${shop.url}/admin/orders`, api: `${shop.url}/wp-json/wc/v3/` }, `demo shop listening on ${shop.url}`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    shop.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  });
}
