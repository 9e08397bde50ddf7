import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop } from '../../demo-shop/src/app';
import { CustomerVouch, MAX_VOUCH_SECONDS, customerVouchMessage } from '../../protocol/index';

const opts = {
  counterpartUrl: 'http://counterpart.test:4000/',
  siteKey: 'site-key-"test"',
  identitySecret: 'identity-secret',
  consumerKey: 'ck_test',
  consumerSecret: 'cs_test',
};
const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
const AUTH = { authorization: basic(opts.consumerKey, opts.consumerSecret) };

let shop: { url: string; close(): Promise<void> };
beforeAll(async () => {
  shop = await startShop({ ...opts, port: 0 });
});
afterAll(async () => {
  await shop?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${shop.url}${path}`, { headers, redirect: 'manual' });
const api = (path: string) => get(`/wp-json/wc/v3/${path}`, AUTH);

function widgetTag(page: string): string {
  const tags = page.match(/<script [^>]*src="[^"]*\/widget\.js"[^>]*><\/script>/g) ?? [];
  expect(tags).toHaveLength(1);
  return tags[0]!;
}
const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

describe('demo shop: startShop', () => {
  it('listens on a real port on 127.0.0.1', () => {
    expect(shop.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(shop.url.endsWith(':0')).toBe(false);
  });
});

describe('demo shop: storefront', () => {
  it('lists the products, linking to their pages', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('href="/products/oak-serving-board"');
    expect(page).toContain('Oak Serving Board');
    expect(page).toContain('href="/account/login"');
  });

  it('embeds the widget on a product page for an anonymous shopper', async () => {
    const res = await get('/products/oak-serving-board');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('€49.00');
    const tag = widgetTag(page);
    expect(attr(tag, 'src')).toBe('http://counterpart.test:4000/widget.js');
    expect(attr(tag, 'data-site-key')).toBe('site-key-&quot;test&quot;');
    expect(attr(tag, 'data-product-id')).toBe('103');
    expect(tag).not.toContain('data-customer-id');
    expect(tag).not.toContain('data-customer-signature');
    expect(tag).not.toContain('data-customer-vouch-url');
    expect(tag).toMatch(/ async><\/script>$/);
  });

  it('points the widget of a signed-in customer at the shop’s vouch URL, never a signature in the page', async () => {
    const login = await get('/account/login?customer=2');
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/');
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toBe('demo_customer=2');

    const page = await (await get('/products/stoneware-mug-set', { cookie })).text();
    expect(page).toContain('Lucas Martin');
    const tag = widgetTag(page);
    expect(attr(tag, 'data-product-id')).toBe('102');
    expect(attr(tag, 'data-customer-vouch-url')).toBe('/counterpart/vouch');
    // No identity in the page itself: a cached or copied page cannot be replayed as this customer.
    expect(tag).not.toContain('data-customer-id');
    expect(tag).not.toContain('data-customer-signature');
    expect(page).not.toMatch(/[0-9a-f]{64}/);
  });

  it('vouches for the signed-in customer with a fresh, short-lived signature that verifies', async () => {
    const cookie = 'demo_customer=2';
    const fetchVouch = async () => {
      const res = await get('/counterpart/vouch', { cookie });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      return CustomerVouch.parse(await res.json());
    };
    const sign = (secret: string, v: CustomerVouch) =>
      createHmac('sha256', secret)
        .update(customerVouchMessage({ siteKey: opts.siteKey, id: v.id, expiresAt: v.expiresAt, nonce: v.nonce }))
        .digest('hex');

    const before = Math.floor(Date.now() / 1000);
    const [first, second] = [await fetchVouch(), await fetchVouch()];
    const after = Math.ceil(Date.now() / 1000);
    for (const v of [first, second]) {
      expect(v.id).toBe(2);
      // Expires at most 10 minutes ahead.
      expect(v.expiresAt).toBeGreaterThan(before);
      expect(v.expiresAt).toBeLessThanOrEqual(after + MAX_VOUCH_SECONDS);
      expect(v.signature).toBe(sign(opts.identitySecret, v));
      expect(v.signature).not.toBe(sign('another-secret', v));
    }
    // Each request gets its own nonce (and so its own signature): one vouch opens one session.
    expect(second.nonce).not.toBe(first.nonce);
    expect(second.signature).not.toBe(first.signature);
    // The signature covers the site key and the customer id: the same fields for another customer do not verify.
    expect(first.signature).not.toBe(sign(opts.identitySecret, { ...first, id: 3 }));
  });

  it('vouches for no one when no customer is signed in (204)', async () => {
    for (const headers of [{}, { cookie: 'demo_customer=999' }, { cookie: 'demo_customer=abc' }] as Record<string, string>[]) {
      const res = await get('/counterpart/vouch', headers);
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
    }
  });

  it('ignores an unknown customer cookie and clears it on sign-out', async () => {
    const page = await (await get('/products/stoneware-mug-set', { cookie: 'demo_customer=999' })).text();
    expect(widgetTag(page)).not.toContain('data-customer-id');
    expect(widgetTag(page)).not.toContain('data-customer-vouch-url');
    const logout = await get('/account/logout', { cookie: 'demo_customer=1' });
    expect(logout.status).toBe(302);
    expect(logout.headers.get('set-cookie')).toMatch(/^demo_customer=;.*expires=Thu, 01 Jan 1970/);
  });

  it('lists the customers on the sign-in page', async () => {
    const page = await (await get('/account/login')).text();
    for (const id of [1, 2, 3, 4]) expect(page).toContain(`href="/account/login?customer=${id}"`);
    expect(page).toContain('Sign in as Anna Schmidt');
  });

  it('serves product images and 404s unknown products', async () => {
    const img = await get('/static/products/oak-serving-board.svg');
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toContain('image/svg+xml');
    expect((await get('/products/nope')).status).toBe(404);
  });
});

describe('demo shop: admin', () => {
  it('redirects /admin/ to the orders list', async () => {
    const res = await get('/admin/');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin/orders');
  });

  it('lists every order with data attributes', async () => {
    const page = await (await get('/admin/orders')).text();
    expect(page).toContain('<main id="wpbody-content">');
    for (let id = 1001; id <= 1010; id++) {
      expect(page).toContain(`data-order-id="${id}"`);
      expect(page).toContain(`href="/admin/orders/${id}"`);
    }
    expect(page).toMatch(/<tr id="order-1010"[^>]*data-order-id="1010" data-customer-id="1"/);
  });

  it('shows an order with its items, totals and customer link', async () => {
    const page = await (await get('/admin/orders/1010')).text();
    expect(page).toContain('<main id="wpbody-content">');
    expect(page).toMatch(/id="order_data"[^>]*data-order-id="1010" data-customer-id="1"/);
    expect(page).toContain('<option value="wc-processing" selected>');
    expect(page).toContain('Ceramic Table Lamp');
    expect(page).toContain('€153.50');
    expect(page).toMatch(/<a class="customer-link" href="\/admin\/customers\/1" data-customer-id="1">/);
  });

  it('shows a customer with their orders', async () => {
    const page = await (await get('/admin/customers/1')).text();
    expect(page).toContain('<main id="wpbody-content">');
    expect(page).toMatch(/id="customer_data"[^>]*data-customer-id="1"/);
    expect(page).toContain('anna.schmidt@example.com');
    const ids = [...page.matchAll(/<tr [^>]*data-order-id="(\d+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['1010', '1007', '1003', '1001']);
  });

  it('404s unknown admin records', async () => {
    expect((await get('/admin/orders/9999')).status).toBe(404);
    expect((await get('/admin/customers/abc')).status).toBe(404);
  });
});

describe('demo shop: WooCommerce REST API', () => {
  it('accepts HTTP Basic auth', async () => {
    const res = await api('products/103');
    expect(res.status).toBe(200);
    const product = await res.json();
    expect(product).toMatchObject({
      id: 103,
      name: 'Oak Serving Board',
      slug: 'oak-serving-board',
      permalink: `${shop.url}/products/oak-serving-board`,
      price: '49.00',
      regular_price: '49.00',
      categories: [{ id: 16, name: 'Kitchen', slug: 'kitchen' }],
    });
    expect(product.short_description).toContain('Solid oak board');
    expect(product.images[0]).toMatchObject({ src: `${shop.url}/static/products/oak-serving-board.svg`, name: 'Oak Serving Board' });
    expect((await get(new URL(product.images[0].src).pathname)).status).toBe(200);
  });

  it('accepts the consumer_key / consumer_secret query parameters', async () => {
    const res = await get(`/wp-json/wc/v3/customers/1?consumer_key=${opts.consumerKey}&consumer_secret=${opts.consumerSecret}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: 1,
      email: 'anna.schmidt@example.com',
      first_name: 'Anna',
      last_name: 'Schmidt',
      username: 'anna.schmidt',
      billing: { first_name: 'Anna', city: 'Berlin', country: 'DE', email: 'anna.schmidt@example.com', phone: '+49 30 1234567' },
      shipping: { first_name: 'Anna', city: 'Berlin' },
    });
  });

  it('refuses missing or wrong credentials with the WooCommerce error body', async () => {
    const expected = { code: 'woocommerce_rest_cannot_view', message: expect.any(String), data: { status: 401 } };
    for (const res of [
      await get('/wp-json/wc/v3/orders'),
      await get('/wp-json/wc/v3/orders', { authorization: basic(opts.consumerKey, 'cs_wrong') }),
      await get('/wp-json/wc/v3/orders', { authorization: basic('ck_wrong', opts.consumerSecret) }),
      await get(`/wp-json/wc/v3/orders?consumer_key=${opts.consumerKey}&consumer_secret=nope`),
    ]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(expected);
    }
  });

  it('lists products and customers with the WP total headers', async () => {
    const products = await api('products');
    expect(products.headers.get('x-wp-total')).toBe('6');
    expect(products.headers.get('x-wp-totalpages')).toBe('1');
    expect((await products.json()).map((p: { id: number }) => p.id)).toEqual([101, 102, 103, 104, 105, 106]);

    const byEmail = await api('customers?email=sofia.rossi%40example.com');
    expect(byEmail.headers.get('x-wp-total')).toBe('1');
    expect((await byEmail.json()).map((c: { id: number }) => c.id)).toEqual([3]);
    const none = await api('customers?email=nobody%40example.com');
    expect(await none.json()).toEqual([]);
    expect(none.headers.get('x-wp-total')).toBe('0');
  });

  it('filters, orders and pages orders', async () => {
    const all = await api('orders');
    expect(all.headers.get('x-wp-total')).toBe('10');
    expect(all.headers.get('x-wp-totalpages')).toBe('1');
    const allIds = (await all.json()).map((o: { id: number }) => o.id);
    expect(allIds[0]).toBe(1010); // default: newest first

    const latest = await api('orders?customer=1&per_page=1&orderby=date&order=desc');
    expect(latest.headers.get('x-wp-total')).toBe('4');
    expect(latest.headers.get('x-wp-totalpages')).toBe('4');
    const [order] = await latest.json();
    expect(order).toMatchObject({
      id: 1010,
      number: '1010',
      status: 'processing',
      currency: 'EUR',
      customer_id: 1,
      total: '153.50',
      date_created_gmt: '2025-08-05T14:30:00',
      billing: { email: 'anna.schmidt@example.com' },
    });
    expect(order.line_items).toEqual([
      expect.objectContaining({ name: 'Ceramic Table Lamp', product_id: 105, quantity: 1, subtotal: '129.00', total: '129.00', price: 129 }),
      expect.objectContaining({ name: 'Beeswax Candle Trio', product_id: 106, quantity: 1, total: '24.50' }),
    ]);

    const page2 = await (await api('orders?customer=1&per_page=3&page=2&orderby=id&order=asc')).json();
    expect(page2.map((o: { id: number }) => o.id)).toEqual([1010]);
    const asc = await (await api('orders?customer=1&order=asc')).json();
    expect(asc.map((o: { id: number }) => o.id)).toEqual([1001, 1003, 1007, 1010]);
    const past = await api('orders?customer=1&page=9');
    expect(await past.json()).toEqual([]);

    const processing = await (await api('orders?status=processing')).json();
    expect(processing.map((o: { id: number }) => o.id).sort()).toEqual([1008, 1010]);
    const two = await (await api('orders?status=pending,on-hold&orderby=id&order=asc')).json();
    expect(two.map((o: { id: number }) => o.id)).toEqual([1005, 1009]);
    expect(await (await api('orders?customer=4')).json()).toEqual([]);
  });

  it('answers 404 woocommerce_rest_invalid_id for unknown ids', async () => {
    for (const path of ['products/9999', 'customers/9999', 'orders/9999', 'orders/abc']) {
      const res = await api(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ code: 'woocommerce_rest_invalid_id', message: expect.any(String), data: { status: 404 } });
    }
  });

  it('answers 400 rest_invalid_param for bad query parameters', async () => {
    for (const [query, param] of [
      ['per_page=0', 'per_page'],
      ['per_page=101', 'per_page'],
      ['page=0', 'page'],
      ['orderby=title', 'orderby'],
      ['order=sideways', 'order'],
      ['customer=x', 'customer'],
      ['status=lost', 'status'],
    ] as const) {
      const res = await api(`orders?${query}`);
      expect(res.status, query).toBe(400);
      const body = await res.json();
      expect(body).toMatchObject({ code: 'rest_invalid_param', data: { status: 400 } });
      expect(body.message).toContain(param);
      expect(Object.keys(body.data.params)).toEqual([param]);
    }
    const email = await api('customers?email=not-an-email');
    expect(email.status).toBe(400);
    expect((await email.json()).code).toBe('rest_invalid_param');
  });

  it('answers rest_no_route for unknown API paths', async () => {
    const res = await api('coupons');
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe('rest_no_route');
  });
});
