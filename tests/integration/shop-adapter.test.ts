import fc from 'fast-check';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop } from '../../demo-shop/src/app';
import { CounterpartError, CustomerSummary, ErrorCode, OrderSummary, ProductSummary } from '../../protocol/index';
import { createWooCommerceAdapter, DEFAULT_MAX_RESPONSE_BYTES } from '../../server/src/shop/woocommerce';

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
      categories: [{ id: 16, name: 'Kitchen' }],
    });
    expect(ProductSummary.parse(product)).toEqual(product);
  });

  it('reads a customer', async () => {
    const customer = await adapter().getCustomer(1);
    // Anna carries the `counterpart_vip` meta (2): the default VIP rule reads it.
    expect(customer).toEqual({ id: 1, name: 'Anna Schmidt', email: 'anna.schmidt@example.com', vip: 2 });
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

/** A shop on 127.0.0.1 that answers with `handler`; closed (connections too) after `use`. */
async function withShop(handler: (req: IncomingMessage, res: ServerResponse) => void, use: (url: string) => Promise<void>): Promise<void> {
  const server = createServer(handler);
  const url = await listen(server);
  try {
    await use(url);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A valid product as JSON, padded with blanks to exactly `bytes` bytes. */
function productOfSize(bytes: number): Buffer {
  const json = JSON.stringify({ id: 7, name: 'Big', permalink: 'https://shop.example.com/p/7', price: '1.00', images: [] });
  expect(bytes).toBeGreaterThanOrEqual(json.length);
  return Buffer.concat([Buffer.from(json), Buffer.alloc(bytes - json.length, ' ')]);
}

describe('WooCommerce adapter: response size cap', () => {
  const MiB = DEFAULT_MAX_RESPONSE_BYTES;

  it('accepts a body of exactly the limit (1 MiB)', async () => {
    expect(MiB).toBe(1024 * 1024);
    await withShop((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(productOfSize(MiB));
    }, async (url) => {
      expect((await createWooCommerceAdapter({ baseUrl: url, ...creds }).getProduct(7))?.name).toBe('Big');
    });
  });

  it('refuses a body one byte over the limit, announced by Content-Length, without reading it', async () => {
    await withShop((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-length', MiB + 1);
      // Send only the first 64 KiB, then wait: an adapter that read the body would time out here.
      res.write(productOfSize(MiB + 1).subarray(0, 65536));
    }, async (url) => {
      const err = await expectShopUnavailable(createWooCommerceAdapter({ baseUrl: url, ...creds, timeoutMs: 2000 }).getProduct(7));
      expect(err.message).toMatch(/too large/);
      expect(err.message).toContain(`Content-Length ${MiB + 1}`);
    });
  });

  it('refuses an endless chunked body (no Content-Length) and hangs up on it', async () => {
    let written = 0;
    let closed: () => void;
    const hungUp = new Promise<void>((resolve) => (closed = resolve));
    await withShop((_req, res) => {
      res.setHeader('content-type', 'application/json');
      const chunk = Buffer.alloc(64 * 1024, ' ');
      res.write('{"id":7,');
      const pump = () => {
        while (!res.destroyed && written < 64 * MiB) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.on('close', () => closed());
      pump();
    }, async (url) => {
      const err = await expectShopUnavailable(createWooCommerceAdapter({ baseUrl: url, ...creds }).getProduct(7));
      expect(err.message).toMatch(/too large/);
      expect(err.message).toContain(`more than ${MiB} bytes`);
      await hungUp; // the adapter cancelled the download: the shop saw the connection go
      expect(written).toBeLessThan(64 * MiB);
    });
  });

  it('counts decompressed bytes: a small gzip body that inflates past the limit is refused', async () => {
    const bomb = gzipSync(productOfSize(8 * MiB));
    expect(bomb.length).toBeLessThan(MiB / 16);
    await withShop((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length });
      res.end(bomb);
    }, async (url) => {
      const err = await expectShopUnavailable(createWooCommerceAdapter({ baseUrl: url, ...creds }).getProduct(7));
      expect(err.message).toMatch(/too large/);
    });
  });

  it('honours a smaller configured cap, on error answers too, and keeps working afterwards', async () => {
    await withShop((req, res) => {
      res.writeHead(req.url!.includes('/products/1') ? 500 : 200, { 'content-type': 'application/json' });
      res.end(productOfSize(req.url!.includes('/products/2') ? 100 : 5000));
    }, async (url) => {
      const a = createWooCommerceAdapter({ baseUrl: url, ...creds, maxResponseBytes: 4096 });
      expect((await expectShopUnavailable(a.getProduct(1))).message).toMatch(/too large/);
      expect((await a.getProduct(2))?.name).toBe('Big');
    });
    // The same process still talks to the real demo shop.
    expect((await createWooCommerceAdapter({ baseUrl: shop.url, ...creds }).getProduct(103))?.id).toBe(103);
  });

  it('reports a body that breaks off midway as shop_unavailable', async () => {
    await withShop((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
      res.write('{"id":7,"na', () => res.destroy());
    }, async (url) => {
      const err = await expectShopUnavailable(createWooCommerceAdapter({ baseUrl: url, ...creds }).getProduct(7));
      expect(err.message).toMatch(/broke off/);
    });
  });
});

describe('WooCommerce adapter: shop URL scheme', () => {
  const create = (baseUrl: string) => () => createWooCommerceAdapter({ baseUrl, ...creds });

  it('refuses plain http to a remote shop at creation, saying why', () => {
    expect(create('http://shop.example.com')).toThrow(/plain http.*consumer key and secret.*in clear.*https:\/\//s);
    expect(create('http://10.0.0.5:8080/')).toThrow(/plain http/);
    expect(create('http://127.0.0.1.nip.io')).toThrow(/plain http/);
    expect(create('http://localhost.example.com')).toThrow(/plain http/);
  });

  it('accepts https anywhere and http on loopback (no request made)', () => {
    for (const ok of ['https://shop.example.com', 'https://shop.example.com:8443/store/', 'https://10.0.0.5', 'http://localhost:4100', 'http://127.0.0.1:4100', 'http://127.255.0.9', 'http://[::1]:4100', 'http://LOCALHOST']) {
      expect(create(ok), ok).not.toThrow();
    }
  });

  it('refuses other schemes and non-URLs', () => {
    expect(create('ftp://shop.example.com')).toThrow(/must start with https:\/\//);
    expect(create('file:///srv/shop')).toThrow(/must start with https:\/\//);
    expect(create('shop.example.com')).toThrow(/not a valid URL/);
  });

  it('http: refused for every non-loopback host, accepted for every 127.0.0.0/8 address', () => {
    const nonLoopbackV4 = fc.ipV4().filter((ip) => !ip.startsWith('127.'));
    const nonLoopbackV6 = fc.ipV6().filter((ip) => new URL(`http://[${ip}]`).hostname !== '[::1]').map((ip) => `[${ip}]`);
    const domains = fc.domain().filter((d) => d.toLowerCase() !== 'localhost');
    fc.assert(fc.property(fc.oneof(nonLoopbackV4, nonLoopbackV6, domains), fc.option(fc.integer({ min: 1, max: 65535 })), (host, port) => {
      const url = `http://${host}${port === null ? '' : `:${port}`}`;
      expect(create(url), url).toThrow(/plain http/);
      expect(create(url.replace('http:', 'https:')), url).not.toThrow();
    }), { numRuns: 1000 });
    const loopback = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `127.${a}.${b}.${c}`);
    fc.assert(fc.property(loopback, (host) => {
      expect(create(`http://${host}:4100`)).not.toThrow();
    }), { numRuns: 300 });
  });
});
