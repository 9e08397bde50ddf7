/**
 * Lookups over the seed data and the values derived from it (totals, billing, local dates).
 */
import {
  customers,
  FLAT_SHIPPING,
  FREE_SHIPPING_FROM,
  orders,
  products,
  categories,
  SHOP_UTC_OFFSET_HOURS,
  type Address,
  type Category,
  type Customer,
  type LineItem,
  type Order,
  type Product,
} from './data';

export const findProduct = (id: number): Product | undefined => products.find((p) => p.id === id);
export const findProductBySlug = (slug: string): Product | undefined => products.find((p) => p.slug === slug);
export const findCustomer = (id: number): Customer | undefined => customers.find((c) => c.id === id);
export const findOrder = (id: number): Order | undefined => orders.find((o) => o.id === id);
export const findCategory = (id: number): Category | undefined => categories.find((c) => c.id === id);
export const ordersOf = (customerId: number): Order[] => orders.filter((o) => o.customerId === customerId);

export const money = (n: number): string => n.toFixed(2);

export function lineTotal(item: LineItem): number {
  const product = findProduct(item.productId);
  return product ? Number(product.price) * item.quantity : 0;
}

export interface OrderTotals {
  subtotal: string;
  shipping: string;
  total: string;
}

export function orderTotals(order: Order): OrderTotals {
  const subtotal = order.lineItems.reduce((sum, item) => sum + lineTotal(item), 0);
  const shipping = subtotal >= FREE_SHIPPING_FROM ? 0 : FLAT_SHIPPING;
  return { subtotal: money(subtotal), shipping: money(shipping), total: money(subtotal + shipping) };
}

/** Billing name, email and address of an order: the guest's, or the customer's. */
export function orderBilling(order: Order): { email: string; address: Address } {
  if (order.guest) return order.guest;
  const customer = findCustomer(order.customerId);
  if (!customer) throw new Error(`Order ${order.id} refers to unknown customer ${order.customerId}`);
  return { email: customer.email, address: customer.address };
}

/** WooCommerce's `date_created` is in the shop's timezone, without an offset suffix. */
export function localDate(gmt: string): string {
  const t = Date.parse(`${gmt}Z`) + SHOP_UTC_OFFSET_HOURS * 3600_000;
  return new Date(t).toISOString().slice(0, 19);
}
