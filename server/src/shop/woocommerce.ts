/**
 * A ShopAdapter over the WooCommerce REST API v3 (also spoken by the demo shop).
 * Failures other than "not found" become CounterpartError(shop_unavailable, 502).
 *
 * The consumer key and secret travel as HTTP Basic auth on every request, so the shop must be
 * reached over https: plain http is refused when the adapter is created, except on loopback
 * (the demo shop, tests). Answers are read as a stream and cut off past `maxResponseBytes`:
 * a misbehaving or hostile shop cannot make the server buffer an unbounded body.
 */
import { z } from 'zod';
import { CATEGORY_LIST_MAX, CounterpartError, DEFAULT_VIP_RULE, ErrorCode, readVipRule, type VipRule } from '../../../protocol/index';
import type { CustomerSummary, OrderSummary, ProductSummary, ShopCategory } from '../../../protocol/index';
import type { ShopAdapter } from './adapter';

export interface WooCommerceAdapterOptions {
  /** The shop's root URL, e.g. https://shop.example.com (the API lives under /wp-json/wc/v3/). */
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  /** Per-request timeout; default 5000 ms. */
  timeoutMs?: number;
  /** Largest answer body accepted, in bytes; default 1 MiB. */
  maxResponseBytes?: number;
  /** How a customer's VIP level is read (a function: read on each use, so an admin can change it); default: the `counterpart_vip` customer meta. */
  vip?: VipRule | (() => VipRule);
}

/** `meta:<key>` or `spent:<amount>,<amount>…` (the VIP_RULE setting); throws, saying what is expected. */
export function parseVipRule(text: string): VipRule {
  const rule = readVipRule(text);
  if (!rule) throw new Error(`VIP_RULE "${text}" is not meta:<customer meta key> or spent:<amount>,<amount>… (plain amounts above 0, each once, at most 9; e.g. spent:500,2000)`);
  return rule;
}

const vipLevel = (n: number): number => (Number.isFinite(n) ? Math.min(9, Math.max(0, Math.floor(n))) : 0);

const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** localhost, 127.0.0.0/8 or ::1, as the WHATWG URL parser spells `URL.hostname`. */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(hostname);
  return v4 !== null && v4[1] === '127' && v4.slice(2).every((o) => Number(o) <= 255);
}

/** Throws unless `baseUrl` is https, or http to a loopback host. */
function assertSafeShopUrl(baseUrl: string): void {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`Shop URL "${baseUrl}" is not a valid URL (expected e.g. https://shop.example.com)`);
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return;
    throw new Error(
      `Shop URL ${url.origin} uses plain http: the WooCommerce consumer key and secret would cross the network in clear ` +
      '(HTTP Basic auth). Use https://, or http:// only for a shop on this machine (localhost, 127.0.0.0/8, [::1]).',
    );
  }
  throw new Error(`Shop URL "${baseUrl}" must start with https:// (got ${url.protocol})`);
}

// Only the fields we read; WooCommerce sends many more.
const WooCategory = z.looseObject({ id: z.number().int().positive(), name: z.string() });

const WooProduct = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  permalink: z.string(),
  price: z.string(),
  images: z.array(z.looseObject({ src: z.string() })).default([]),
  categories: z.array(z.looseObject({ id: z.number().int(), name: z.string() })).default([]),
});

const WooAddress = z.looseObject({ first_name: z.string().optional(), last_name: z.string().optional() });

const WooCustomer = z.looseObject({
  id: z.number().int(),
  email: z.string(),
  first_name: z.string().default(''),
  last_name: z.string().default(''),
  username: z.string().optional(),
  billing: WooAddress.optional(),
  meta_data: z.array(z.looseObject({ key: z.string(), value: z.unknown() })).default([]),
});

const WooOrder = z.looseObject({
  id: z.number().int(),
  number: z.union([z.string(), z.number()]).transform(String),
  status: z.string(),
  total: z.string(),
  currency: z.string(),
  date_created: z.string(),
  date_created_gmt: z.string().nullish(),
  line_items: z.array(z.looseObject({ name: z.string(), quantity: z.number().int() })).default([]),
  customer_id: z.number().int().nonnegative().default(0),
});

const isId = (n: number): boolean => Number.isSafeInteger(n) && n > 0;
const joinName = (first?: string, last?: string): string => [first, last].map((s) => s?.trim() ?? '').filter(Boolean).join(' ');

export function createWooCommerceAdapter(opts: WooCommerceAdapterOptions): ShopAdapter {
  assertSafeShopUrl(opts.baseUrl);
  const apiBase = `${opts.baseUrl.replace(/\/+$/, '')}/wp-json/wc/v3/`;
  const authorization = `Basic ${Buffer.from(`${opts.consumerKey}:${opts.consumerSecret}`, 'utf8').toString('base64')}`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  const unavailable = (message: string, cause?: unknown): CounterpartError =>
    new CounterpartError(ErrorCode.ShopUnavailable, message, 502, { cause });

  /** GET a WooCommerce resource; null on 404. */
  async function get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S> | null> {
    const url = new URL(path, apiBase);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { authorization, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      throw unavailable(timedOut ? `The shop did not answer ${url.pathname} within ${timeoutMs} ms` : `Cannot reach the shop at ${url.origin}`, cause);
    }
    const text = await readCapped(res, url);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw unavailable(`The shop answered ${url.pathname} with HTTP ${res.status} and no JSON`, cause);
    }
    const code = typeof json === 'object' && json !== null && 'code' in json ? String(json.code) : null;
    // A 404 for the resource means "no such id"; an unknown route means the API is not there.
    if (res.status === 404 && code !== 'rest_no_route') return null;
    if (!res.ok) throw unavailable(`The shop answered ${url.pathname} with HTTP ${res.status} (${code ?? 'no error code'})`, json);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw unavailable(`Unexpected response from the shop for ${url.pathname}`, parsed.error);
    return parsed.data;
  }

  /** The body as text, at most `maxBytes` of it: past that, the download is cancelled. */
  async function readCapped(res: Response, url: URL): Promise<string> {
    const tooLarge = (detail: string) =>
      unavailable(`The shop's response for ${url.pathname} is too large (${detail}; the limit is ${maxBytes} bytes)`);
    const announced = Number(res.headers.get('content-length'));
    if (Number.isFinite(announced) && announced > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(`Content-Length ${announced}`);
    }
    if (!res.body) return '';
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge(`more than ${maxBytes} bytes received`);
        }
        chunks.push(value);
      }
    } catch (cause) {
      if (cause instanceof CounterpartError) throw cause;
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      throw unavailable(timedOut ? `The shop did not finish answering ${url.pathname} within ${timeoutMs} ms` : `The shop's answer for ${url.pathname} broke off`, cause);
    }
    return new TextDecoder().decode(Buffer.concat(chunks, size)); // strips a BOM, as res.json() did
  }

  async function vipOf(c: z.output<typeof WooCustomer>): Promise<number> {
    const rule = (typeof opts.vip === 'function' ? opts.vip() : opts.vip) ?? DEFAULT_VIP_RULE;
    if (rule.kind === 'meta') return vipLevel(Number(c.meta_data.find((m) => m.key === rule.key)?.value ?? 0));
    const paid = (await get(`orders?customer=${c.id}&status=completed&per_page=100`, z.array(WooOrder))) ?? [];
    const spent = paid.reduce((sum, o) => sum + (Number(o.total) || 0), 0);
    return rule.thresholds.filter((t) => spent >= t).length;
  }

  function toOrder(o: z.output<typeof WooOrder>): OrderSummary {
    return {
      id: o.id,
      number: o.number,
      status: o.status,
      total: o.total,
      currency: o.currency,
      createdAt: o.date_created_gmt ? `${o.date_created_gmt}Z` : o.date_created,
      items: o.line_items.map((item) => ({ name: item.name, quantity: item.quantity })),
    };
  }

  return {
    async getProduct(id: number): Promise<ProductSummary | null> {
      if (!isId(id)) return null;
      const p = await get(`products/${id}`, WooProduct);
      if (!p) return null;
      return {
        id: p.id, name: p.name, permalink: p.permalink, price: p.price, image: p.images[0]?.src ?? null,
        categories: p.categories.slice(0, 20).map((k) => ({ id: k.id, name: k.name })),
      };
    },

    async getCustomer(id: number): Promise<CustomerSummary | null> {
      if (!isId(id)) return null;
      const c = await get(`customers/${id}`, WooCustomer);
      if (!c) return null;
      const name = joinName(c.first_name, c.last_name) || joinName(c.billing?.first_name, c.billing?.last_name) || c.username || c.email;
      return { id: c.id, name, email: c.email, vip: await vipOf(c) };
    },

    async getLatestOrder(customerId: number): Promise<OrderSummary | null> {
      if (!isId(customerId)) return null;
      const list = await get(`orders?customer=${customerId}&per_page=1&orderby=date&order=desc`, z.array(WooOrder));
      const latest = list?.[0];
      return latest ? toOrder(latest) : null;
    },

    async getOrders(customerId: number, limit: number): Promise<OrderSummary[]> {
      if (!isId(customerId)) return [];
      const per = Math.min(Math.max(Math.trunc(limit), 1), 100);
      return ((await get(`orders?customer=${customerId}&per_page=${per}&orderby=date&order=desc`, z.array(WooOrder))) ?? []).map(toOrder);
    },

    async getCategories(): Promise<ShopCategory[]> {
      const list = await get(`products/categories?per_page=${CATEGORY_LIST_MAX}&orderby=name`, z.array(WooCategory));
      return (list ?? []).slice(0, CATEGORY_LIST_MAX).map((c) => ({ id: c.id, name: c.name.slice(0, 200) }));
    },

    async getOrder(id: number): Promise<(OrderSummary & { customerId: number }) | null> {
      if (!isId(id)) return null;
      const o = await get(`orders/${id}`, WooOrder);
      return o ? { ...toOrder(o), customerId: o.customer_id } : null;
    },
  };
}
