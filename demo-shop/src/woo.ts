/**
 * WooCommerce REST API v3 representations of the seed data (a subset of the real fields, with
 * WooCommerce's names and types: money as decimal strings, dates without offset, ids as numbers).
 */
import { CURRENCY, type Address, type Category, type Customer, type Order, type Product } from './data';
import { findCategory, findProduct, lineTotal, localDate, money, orderBilling, orderTotals } from './queries';

export const productPath = (p: Product): string => `/products/${encodeURIComponent(p.slug)}`;
export const productImagePath = (p: Product): string => `/static/products/${encodeURIComponent(p.slug)}.svg`;

const paragraph = (text: string): string =>
  `<p>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>\n`;

export function wooProduct(p: Product, origin: string) {
  return {
    id: p.id,
    name: p.name,
    slug: p.slug,
    permalink: `${origin}${productPath(p)}`,
    date_created: localDate(p.dateCreatedGmt),
    date_created_gmt: p.dateCreatedGmt,
    type: 'simple',
    status: 'publish',
    featured: false,
    catalog_visibility: 'visible',
    description: paragraph(p.description),
    short_description: paragraph(p.shortDescription),
    sku: p.sku,
    price: p.price,
    regular_price: p.price,
    sale_price: '',
    on_sale: false,
    purchasable: true,
    stock_status: 'instock',
    categories: p.categoryIds
      .map((id) => findCategory(id))
      .filter((c): c is Category => c !== undefined)
      .map((c) => ({ id: c.id, name: c.name, slug: c.slug })),
    images: [{ id: p.id * 10, src: `${origin}${productImagePath(p)}`, name: p.name, alt: p.name }],
  };
}

/** WooCommerce's shipping address has no email (and a phone since WooCommerce 5.6). */
function wooShipping(a: Address) {
  return { ...a };
}

function wooBilling(a: Address, email: string) {
  const { phone, ...rest } = a;
  return { ...rest, email, phone };
}

export function wooCustomer(c: Customer) {
  return {
    id: c.id,
    date_created: localDate(c.dateCreatedGmt),
    date_created_gmt: c.dateCreatedGmt,
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    role: 'customer',
    username: c.username,
    billing: wooBilling(c.address, c.email),
    shipping: wooShipping(c.address),
    is_paying_customer: true,
    meta_data: c.vip === undefined ? [] : [{ id: c.id * 100, key: 'counterpart_vip', value: String(c.vip) }],
  };
}

export function wooOrder(o: Order) {
  const billing = orderBilling(o);
  const totals = orderTotals(o);
  return {
    id: o.id,
    parent_id: 0,
    number: String(o.id),
    order_key: `wc_order_demo${o.id}`,
    created_via: 'checkout',
    status: o.status,
    currency: CURRENCY,
    date_created: localDate(o.dateCreatedGmt),
    date_created_gmt: o.dateCreatedGmt,
    discount_total: '0.00',
    shipping_total: totals.shipping,
    total: totals.total,
    total_tax: '0.00',
    prices_include_tax: true,
    customer_id: o.customerId,
    billing: wooBilling(billing.address, billing.email),
    shipping: wooShipping(billing.address),
    payment_method: 'bacs',
    payment_method_title: 'Direct bank transfer',
    line_items: o.lineItems.map((item) => {
      const product = findProduct(item.productId);
      const total = money(lineTotal(item));
      return {
        id: item.id,
        name: product?.name ?? `Product #${item.productId}`,
        product_id: item.productId,
        variation_id: 0,
        quantity: item.quantity,
        subtotal: total,
        subtotal_tax: '0.00',
        total,
        total_tax: '0.00',
        sku: product?.sku ?? '',
        price: product ? Number(product.price) : 0,
      };
    }),
  };
}
