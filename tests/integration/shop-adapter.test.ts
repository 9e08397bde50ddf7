import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop } from '../../demo-shop/src/app';
import { CounterpartError, CustomerSummary, ErrorCode, OrderSummary, ProductSummary } from '../../protocol/index';
import { createWooCommerceAdapter } from '../../server/src/shop/woocommerce';

const creds = { consumerKey: 'ck_adapter', consumerSecret: 'cs_adapter' };
let shop: { url: string; close(): Promise<void> };

beforeAll(async () => {
  shop = await startShop({
    ...creds,
    port: 0,
    counterpartUrl: 'http://127.0.0.1:1',
    siteKey: 'demo-shop',
    identitySecret: 'secret',
  });
});
afterAll(async () => {
  await shop?.close();
});

async function expectShopUnavailable(p: Promise<unknown>): Promise<CounterpartError> {
  const err = await p.then(
    () => expect.fail('expected a CounterpartError'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CounterpartError);
  const ce = err as CounterpartError;
  expect(ce.code).toBe(ErrorCode.ShopUnavailable);
  expect(ce.status).toBe(502);
  return ce;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('WooCommerce adapter against the demo shop', () => {
  const adapter = () => createWooCommerceAdapter({ baseUrl: shop.url, ...creds });

  it('reads a product', async () => {
    const product = await adapter().getProduct(103);
    expect(product).toEqual({
      id: 103,
      name: 'Oak Serving Board',
      permalink: `${shop.url}/products/oak-serving-board`,
      price: '49.00',
      image: `${shop.url}/static/products/oak-serving-board.svg`,
    });
    expect(ProductSummary.parse(product)).toEqual(product);
  });

  it('reads a customer', async () => {
    const customer = await adapter().getCustomer(1);
    expect(customer).toEqual({ id: 1, name: 'Anna Schmidt', email: 'anna.schmidt@example.com' });
    expect(CustomerSummary.parse(customer)).toEqual(customer);
  });

  it("reads customer 1's newest order", async () => {
    const order = await adapter().getLatestOrder(1);
    expect(order).toEqual({
      id: 1010,
      number: '1010',
      status: 'processing',
      total: '153.50',
      currency: 'EUR',
      createdAt: '2025-08-05T14:30:00Z',
      items: [
        { name: 'Ceramic Table Lamp', quantity: 1 },
        { name: 'Beeswax Candle Trio', quantity: 1 },
      ],
    });
    expect(OrderSummary.parse(order)).toEqual(order);
    // It is the newest of all their orders, as the shop lists them.
    const res = await fetch(`${shop.url}/wp-json/wc/v3/orders?customer=1&per_page=100`, {
      headers: { authorization: `Basic ${Buffer.from(`${creds.consumerKey}:${creds.consumerSecret}`).toString('base64')}` },
    });
    const all = (await res.json()) as Array<{ id: number; date_created_gmt: string }>;
    expect(all.length).toBeGreaterThan(1);
    const newest = all.reduce((a, b) => (a.date_created_gmt > b.date_created_gmt ? a : b));
    expect(order?.id).toBe(newest.id);
  });

  it('returns null for unknown ids and customers without orders', async () => {
    const a = adapter();
    expect(await a.getProduct(9999)).toBeNull();
    expect(await a.getCustomer(9999)).toBeNull();
    expect(await a.getLatestOrder(9999)).toBeNull();
    expect(await a.getLatestOrder(4)).toBeNull();
    expect(await a.getProduct(0)).toBeNull();
    expect(await a.getCustomer(-1)).toBeNull();
  });

  it('tolerates a trailing slash in the base URL', async () => {
    const a = createWooCommerceAdapter({ baseUrl: `${shop.url}/`, ...creds });
    expect((await a.getCustomer(2))?.name).toBe('Lucas Martin');
  });

  it('throws shop_unavailable on wrong credentials', async () => {
    const a = createWooCommerceAdapter({ baseUrl: shop.url, consumerKey: creds.consumerKey, consumerSecret: 'wrong' });
    const err = await expectShopUnavailable(a.getProduct(103));
    expect(err.message).toContain('401');
  });

  it('throws shop_unavailable when the API is not there', async () => {
    const a = createWooCommerceAdapter({ baseUrl: `${shop.url}/not-a-shop`, ...creds });
    await expectShopUnavailable(a.getProduct(103));
  });

  it('throws shop_unavailable when the shop is down', async () => {
    const server = createServer();
    const url = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const a = createWooCommerceAdapter({ baseUrl: url, ...creds });
    await expectShopUnavailable(a.getCustomer(1));
    await expectShopUnavailable(a.getLatestOrder(1));
  });

  it('throws shop_unavailable when the shop does not answer in time', async () => {
    const server = createServer(() => {
      /* never answers */
    });
    const url = await listen(server);
    try {
      const a = createWooCommerceAdapter({ baseUrl: url, ...creds, timeoutMs: 200 });
      const err = await expectShopUnavailable(a.getProduct(103));
      expect(err.message).toContain('200 ms');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('throws shop_unavailable on a malformed answer', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'not-a-number' }));
    });
    const url = await listen(server);
    try {
      await expectShopUnavailable(createWooCommerceAdapter({ baseUrl: url, ...creds }).getProduct(1));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
