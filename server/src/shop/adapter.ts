/**
 * What the Counterpart server needs from a merchant's shop: the context shown to an agent.
 */
import type { CustomerSummary, OrderSummary, ProductSummary, ShopCategory } from '../../../protocol/index';

export interface ShopAdapter {
  /** null when the shop has no such product. */
  getProduct(id: number): Promise<ProductSummary | null>;
  /** null when the shop has no such customer. */
  getCustomer(id: number): Promise<CustomerSummary | null>;
  /** The customer's most recent order by creation date; null when they have none (or do not exist). */
  getLatestOrder(customerId: number): Promise<OrderSummary | null>;
  /** The customer's latest orders, newest first (at most `limit`). */
  getOrders(customerId: number, limit: number): Promise<OrderSummary[]>;
  /** An order with the customer it belongs to (0 for a guest order); null when the shop has no such order. */
  getOrder(id: number): Promise<(OrderSummary & { customerId: number }) | null>;
  /** The shop's product categories (the first `CATEGORY_LIST_MAX`), for the skills editor. */
  getCategories(): Promise<ShopCategory[]>;
}
