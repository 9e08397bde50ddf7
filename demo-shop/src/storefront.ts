/**
 * The storefront: product grid, product pages with the Counterpart widget, demo sign-in.
 */
import { createHmac, randomBytes } from 'node:crypto';
import Router, { type RouterContext } from '@koa/router';
import { MAX_VOUCH_SECONDS, Paths, customerVouchMessage, type CustomerVouch } from '../../protocol/index';
import { customers, products, type Customer } from './data';
import { findCustomer, findProductBySlug } from './queries';
import { formatPrice, html, raw } from './html';
import { productSvg, storePage } from './layout';
import { productImagePath, productPath } from './woo';

export const CUSTOMER_COOKIE = 'demo_customer';

export interface StorefrontOptions {
  counterpartUrl: string;
  siteKey: string;
  identitySecret: string;
}

/** Where the widget asks the shop to vouch for its signed-in customer (same origin, with cookies). */
export const VOUCH_PATH = '/counterpart/vouch';

/**
 * How a shop vouches for a signed-in customer: a fresh nonce, an expiry at most 10 minutes
 * ahead, and hex HMAC-SHA256(identitySecret, customerVouchMessage(...)). Each vouch opens one
 * shopper session (the server refuses a replayed nonce).
 */
export function signVouch(identitySecret: string, siteKey: string, customerId: number, nowMs = Date.now()): CustomerVouch {
  const expiresAt = Math.floor(nowMs / 1000) + MAX_VOUCH_SECONDS;
  const nonce = randomBytes(18).toString('base64url');
  const signature = createHmac('sha256', identitySecret).update(customerVouchMessage({ siteKey, id: customerId, expiresAt, nonce })).digest('hex');
  return { id: customerId, expiresAt, nonce, signature };
}

function signedInCustomer(ctx: RouterContext): Customer | null {
  const raw = ctx.cookies.get(CUSTOMER_COOKIE);
  if (!raw || !/^\d{1,9}$/.test(raw)) return null;
  return findCustomer(Number(raw)) ?? null;
}

/** The page language: a shop in another language says so in `<html lang>` (here `?lang=zh-CN` for the demo). */
function pageLang(ctx: RouterContext): string {
  const q = typeof ctx.query.lang === 'string' ? ctx.query.lang : '';
  return /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?$/.test(q) ? q : 'en';
}

function sendHtml(ctx: RouterContext, body: string, status = 200): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = body;
}

export function createStorefrontRouter(opts: StorefrontOptions): Router {
  const router = new Router();
  const counterpartUrl = opts.counterpartUrl.replace(/\/+$/, '');
  /** The widget is on every page of the shop, as a real shop embeds it: a conversation follows the shopper around. */
  const widgetTag = (customer: Customer | null, productId: number | null) => {
    const identity = customer ? html` data-customer-vouch-url="${VOUCH_PATH}"` : '';
    const product = productId === null ? '' : html` data-product-id="${productId}"`;
    return html`<script src="${counterpartUrl}${Paths.widgetLoader}" data-site-key="${opts.siteKey}"${product}${identity} async></script>`;
  };

  router.get('/', (ctx) => {
    const customer = signedInCustomer(ctx);
    const body = html`<h1>Goods for slow mornings</h1>
<ul class="grid" id="products">
${products.map(
  (p) => html`<li class="card product-card" data-product-id="${p.id}">
  <a href="${productPath(p)}"><img src="${productImagePath(p)}" alt="${p.name}" loading="lazy">
  <div class="body"><h2>${p.name}</h2><span class="price">${formatPrice(p.price)}</span></div></a>
</li>
`,
)}</ul>`;
    sendHtml(ctx, storePage({ title: 'Shop', customer, body, scripts: widgetTag(customer, null), lang: pageLang(ctx) }));
  });

  router.get('/products/:slug', (ctx) => {
    const customer = signedInCustomer(ctx);
    const product = findProductBySlug(ctx.params.slug ?? '');
    if (!product) {
      sendHtml(ctx, storePage({ title: 'Not found', customer, body: html`<h1>Product not found</h1><p><a href="/">Back to the shop</a></p>` }), 404);
      return;
    }
    const more = products.filter((p) => p.id !== product.id).slice(0, 3);
    const body = html`<article class="product" id="product-${product.id}" data-product-id="${product.id}">
  <img src="${productImagePath(product)}" alt="${product.name}">
  <div class="summary">
    <h1 class="product_title">${product.name}</h1>
    <p class="price">${formatPrice(product.price)}</p>
    <p class="short-description">${product.shortDescription}</p>
    <p class="description">${product.description}</p>
    <form class="cart" onsubmit="event.preventDefault(); this.querySelector('.added').hidden = false;">
      <button type="submit" name="add-to-cart" value="${product.id}">Add to cart</button>
      <span class="added" hidden>Added (demo only).</span>
    </form>
    <p><a href="/">← All products</a></p>
  </div>
</article>
<section class="more"><h2>More from the shop</h2><ul class="grid" id="more-products">
${more.map((p) => html`<li class="card"><a class="more-product" data-slug="${p.slug}" href="${productPath(p)}"><div class="body"><h2>${p.name}</h2><span class="price">${formatPrice(p.price)}</span></div></a></li>`)}
</ul></section>`;
    sendHtml(ctx, storePage({ title: product.name, customer, body, scripts: widgetTag(customer, product.id), lang: pageLang(ctx) }));
  });

  // A fresh vouch for the signed-in customer; the widget fetches it each time it opens a session.
  router.get(VOUCH_PATH, (ctx) => {
    const customer = signedInCustomer(ctx);
    ctx.set('Cache-Control', 'no-store');
    if (!customer) {
      ctx.status = 204;
      return;
    }
    ctx.body = signVouch(opts.identitySecret, opts.siteKey, customer.id);
  });

  router.get('/static/products/:file', (ctx) => {
    const slug = (ctx.params.file ?? '').replace(/\.svg$/, '');
    const product = findProductBySlug(slug);
    if (!product || !ctx.params.file?.endsWith('.svg')) return;
    ctx.type = 'image/svg+xml';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = productSvg(product);
  });

  router.get('/account/login', (ctx) => {
    const requested = ctx.query.customer;
    if (typeof requested === 'string') {
      const customer = /^\d{1,9}$/.test(requested) ? findCustomer(Number(requested)) : undefined;
      if (customer) {
        ctx.cookies.set(CUSTOMER_COOKIE, String(customer.id), { httpOnly: true, sameSite: 'lax', signed: false, path: '/' });
        ctx.redirect('/');
        return;
      }
    }
    const current = signedInCustomer(ctx);
    const body = html`<h1>Demo sign-in</h1>
<p>Pick a customer to shop as. ${requested !== undefined ? raw('<strong class="error">Unknown customer.</strong>') : ''}</p>
<ul class="customers" id="customer-list">
${customers.map(
  (c) => html`<li data-customer-id="${c.id}"><span>${c.firstName} ${c.lastName} <small>${c.email}</small></span>
  <a class="button" href="/account/login?customer=${c.id}">Sign in as ${c.firstName} ${c.lastName}</a></li>
`,
)}</ul>`;
    sendHtml(ctx, storePage({ title: 'Sign in', customer: current, body }), requested !== undefined ? 404 : 200);
  });

  router.get('/account/logout', (ctx) => {
    ctx.cookies.set(CUSTOMER_COOKIE, null, { path: '/', signed: false });
    ctx.redirect('/');
  });

  return router;
}
