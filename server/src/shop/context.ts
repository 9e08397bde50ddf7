import type { CustomerSummary, ProductSummary } from '../../../protocol/index';
import type { Logger } from '../log';
import type { ShopAdapter } from './adapter';

/** Products asked about recently: request churn must not become load on the shop. */
const PRODUCT_TTL_MS = 60_000;
const PRODUCTS_KEPT = 1000;
type Entry = { at: number; value: Promise<ProductSummary | null> };
const byShop = new WeakMap<ShopAdapter, Map<number, Entry>>();

function cachedProduct(shop: ShopAdapter, key: number): Promise<ProductSummary | null> {
  let products = byShop.get(shop);
  if (!products) byShop.set(shop, (products = new Map()));
  const hit = products.get(key);
  if (hit && Date.now() - hit.at < PRODUCT_TTL_MS) return hit.value;
  if (products.size >= PRODUCTS_KEPT) products.delete(products.keys().next().value!);
  const value = shop.getProduct(key);
  products.set(key, { at: Date.now(), value });
  value.catch(() => products.delete(key));
  return value;
}

/** What the shop says about a new request's customer and product; the shop being down must not stop the call. */
export async function requestContext(
  shop: ShopAdapter,
  log: Logger,
  ids: { customerId: number | null; productId: number | null },
): Promise<{ customer: CustomerSummary | null; product: ProductSummary | null }> {
  const lookup = async <T>(fn: () => Promise<T | null>): Promise<T | null> => {
    try {
      return await fn();
    } catch (err) {
      log.warn({ err }, 'shop lookup failed; continuing without context');
      return null;
    }
  };
  const [customer, product] = await Promise.all([
    ids.customerId !== null ? lookup(() => shop.getCustomer(ids.customerId!)) : null,
    ids.productId !== null ? lookup(() => cachedProduct(shop, ids.productId!)) : null,
  ]);
  return { customer, product };
}
