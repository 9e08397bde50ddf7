import type { CustomerSummary, ProductSummary } from '../../../protocol/index';
import type { Logger } from '../log';
import type { ShopAdapter } from './adapter';

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
    ids.productId !== null ? lookup(() => shop.getProduct(ids.productId!)) : null,
  ]);
  return { customer, product };
}
