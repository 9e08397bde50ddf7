/**
 * The WooCommerce REST API v3 subset the Counterpart server reads, under /wp-json/wc/v3/.
 * Authentication as WooCommerce over HTTPS: HTTP Basic consumer_key:consumer_secret, or the
 * consumer_key / consumer_secret query parameters.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Router, { type RouterContext } from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { categories, customers, ORDER_STATUSES, orders, products, type Order } from './data';
import { findCustomer, findOrder, findProduct } from './queries';
import { wooCustomer, wooOrder, wooProduct } from './woo';

export const API_PREFIX = '/wp-json/wc/v3';

export interface ApiCredentials {
  consumerKey: string;
  consumerSecret: string;
}

function wooError(ctx: RouterContext, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  ctx.status = status;
  ctx.body = { code, message, data: { status, ...extra } };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
/** Constant-time string comparison (hashing first makes the lengths equal). */
function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function presentedCredentials(ctx: RouterContext): { key: string; secret: string } | null {
  const header = ctx.get('authorization');
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    return { key: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  const key = ctx.query.consumer_key;
  const secret = ctx.query.consumer_secret;
  if (typeof key === 'string' && typeof secret === 'string') return { key, secret };
  return null;
}

function authenticate(creds: ApiCredentials) {
  return async (ctx: RouterContext, next: Next): Promise<void> => {
    const given = presentedCredentials(ctx);
    // Evaluate both comparisons so the timing does not reveal which half was wrong.
    const ok = given !== null && [safeEqual(given.key, creds.consumerKey), safeEqual(given.secret, creds.consumerSecret)].every(Boolean);
    if (!ok) {
      wooError(ctx, 401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.');
      return;
    }
    await next();
  };
}

// ---------------------------------------------------------------------------------------------
// Query validation

const intParam = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const paging = {
  per_page: intParam(1, 100).default(10),
  page: intParam(1).default(1),
};

const ProductsQuery = z.object({ ...paging });
const CustomersQuery = z.object({ ...paging, email: z.email().optional() });
const StatusParam = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.enum(['any', ...ORDER_STATUSES])).min(1));
const OrdersQuery = z.object({
  ...paging,
  customer: intParam(0).optional(),
  status: StatusParam.optional(),
  orderby: z.enum(['date', 'id']).default('date'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

/** Parse ctx.query (first value of repeated params) or answer 400 rest_invalid_param. */
function parseQuery<S extends z.ZodType>(ctx: RouterContext, schema: S): z.output<S> | null {
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.query)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) raw[k] = first;
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const params: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const name = String(issue.path[0] ?? 'query');
    params[name] ??= `${name} ${issue.message}`;
  }
  wooError(ctx, 400, 'rest_invalid_param', `Invalid parameter(s): ${Object.keys(params).join(', ')}`, { params });
  return null;
}

function sendPage<T>(ctx: RouterContext, all: T[], page: number, perPage: number): void {
  const totalPages = Math.ceil(all.length / perPage);
  ctx.set('X-WP-Total', String(all.length));
  ctx.set('X-WP-TotalPages', String(totalPages));
  ctx.body = all.slice((page - 1) * perPage, page * perPage);
}

/** Path ids: digits only, else 404 like WordPress (its routes only match \d+). */
function pathId(ctx: RouterContext): number | null {
  const raw = ctx.params.id ?? '';
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

/** The storefront's absolute URL as the client reached it (WordPress would use its siteurl option). */
const siteUrl = (ctx: RouterContext): string => `${ctx.protocol}://${ctx.host}`;

function invalidId(ctx: RouterContext): void {
  wooError(ctx, 404, 'woocommerce_rest_invalid_id', 'Invalid ID.');
}

export function createApiRouter(creds: ApiCredentials): Router {
  const router = new Router({ prefix: API_PREFIX });
  router.use(authenticate(creds));

  router.get('/products', (ctx) => {
    const q = parseQuery(ctx, ProductsQuery);
    if (!q) return;
    sendPage(ctx, products.map((p) => wooProduct(p, siteUrl(ctx))), q.page, q.per_page);
  });

  // Before /products/:id, as WooCommerce routes it: the shop's product categories, by name (its default order).
  router.get('/products/categories', (ctx) => {
    const q = parseQuery(ctx, ProductsQuery);
    if (!q) return;
    const count = (id: number) => products.filter((p) => p.categoryIds.includes(id)).length;
    sendPage(ctx, [...categories].sort((a, b) => a.name.localeCompare(b.name)).map((c) => ({ id: c.id, name: c.name, slug: c.slug, parent: 0, description: '', display: 'default', count: count(c.id) })), q.page, q.per_page);
  });

  router.get('/products/:id', (ctx) => {
    const id = pathId(ctx);
    const product = id === null ? undefined : findProduct(id);
    if (!product) return invalidId(ctx);
    ctx.body = wooProduct(product, siteUrl(ctx));
  });

  router.get('/customers', (ctx) => {
    const q = parseQuery(ctx, CustomersQuery);
    if (!q) return;
    const email = q.email?.toLowerCase();
    const matching = customers.filter((c) => email === undefined || c.email.toLowerCase() === email);
    sendPage(ctx, matching.map(wooCustomer), q.page, q.per_page);
  });

  router.get('/customers/:id', (ctx) => {
    const id = pathId(ctx);
    const customer = id === null ? undefined : findCustomer(id);
    if (!customer) return invalidId(ctx);
    ctx.body = wooCustomer(customer);
  });

  router.get('/orders', (ctx) => {
    const q = parseQuery(ctx, OrdersQuery);
    if (!q) return;
    const statuses = q.status && !q.status.includes('any') ? new Set<string>(q.status) : null;
    const key = (o: Order): string | number => (q.orderby === 'id' ? o.id : o.dateCreatedGmt);
    const sign = q.order === 'asc' ? 1 : -1;
    const matching = orders
      .filter((o) => q.customer === undefined || o.customerId === q.customer)
      .filter((o) => statuses === null || statuses.has(o.status))
      .sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        return (ka < kb ? -1 : ka > kb ? 1 : a.id - b.id) * sign;
      });
    sendPage(ctx, matching.map(wooOrder), q.page, q.per_page);
  });

  router.get('/orders/:id', (ctx) => {
    const id = pathId(ctx);
    const order = id === null ? undefined : findOrder(id);
    if (!order) return invalidId(ctx);
    ctx.body = wooOrder(order);
  });

  return router;
}

/** Any other path under /wp-json answers like WordPress does for an unknown route. */
export async function noRoute(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/wp-json')) {
    ctx.status = 404;
    ctx.body = { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } };
  }
}
