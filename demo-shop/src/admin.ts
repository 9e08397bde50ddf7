/**
 * The shop's back office, modeled loosely on the WooCommerce admin. Stable hooks for scripts:
 *   /admin/orders        table#orders-table.wp-list-table, rows tr.order-row[data-order-id][data-customer-id]
 *   /admin/orders/:id    #order_data[data-order-id][data-customer-id], #order_status, #order_line_items,
 *                        .wc-order-totals .order-total, a.customer-link[data-customer-id]
 *   /admin/customers/:id #customer_data[data-customer-id], table#customer-orders rows [data-order-id]
 * Every page wraps its content in <main id="wpbody-content">.
 */
import Router, { type RouterContext } from '@koa/router';
import { CURRENCY, orders, type Address, type Order } from './data';
import {
  findCustomer,
  findOrder,
  findProduct,
  lineTotal,
  money,
  orderBilling,
  ordersOf,
  orderTotals,
} from './queries';
import { formatDate, formatPrice, html, type SafeHtml } from './html';
import { adminPage } from './layout';

const statusLabel = (s: string): string => s.replace('-', ' ').replace(/^./, (c) => c.toUpperCase());

function statusMark(order: Order): SafeHtml {
  return html`<mark class="order-status status-${order.status}" data-status="${order.status}"><span>${statusLabel(order.status)}</span></mark>`;
}

function addressBlock(a: Address, email: string): SafeHtml {
  return html`<address>
  <span class="name">${a.first_name} ${a.last_name}</span><br>
  ${a.company ? html`<span class="company">${a.company}</span><br>` : ''}
  ${a.address_1}<br>${a.address_2 ? html`${a.address_2}<br>` : ''}
  ${a.postcode} ${a.city}${a.state ? html`, ${a.state}` : ''}<br>${a.country}
</address>
<p class="email"><strong>Email:</strong> <a href="mailto:${email}">${email}</a></p>
<p class="phone"><strong>Phone:</strong> <a href="tel:${a.phone.replace(/\s+/g, '')}">${a.phone}</a></p>`;
}

function orderRows(list: Order[]): SafeHtml {
  return html`${list.map((o) => {
    const billing = orderBilling(o);
    return html`<tr id="order-${o.id}" class="order-row type-shop_order status-${o.status}" data-order-id="${o.id}" data-customer-id="${o.customerId}">
  <td class="column-order_number"><a class="order-view" href="/admin/orders/${o.id}"><strong>#${o.id} ${billing.address.first_name} ${billing.address.last_name}</strong></a></td>
  <td class="column-order_date"><time datetime="${o.dateCreatedGmt}Z">${formatDate(o.dateCreatedGmt)}</time></td>
  <td class="column-order_status">${statusMark(o)}</td>
  <td class="column-order_total"><span class="amount">${formatPrice(orderTotals(o).total, CURRENCY)}</span></td>
</tr>
`;
  })}`;
}

function ordersTable(list: Order[], id: string): SafeHtml {
  return html`<table id="${id}" class="wp-list-table widefat fixed striped table-view-list orders">
<thead><tr><th class="column-order_number">Order</th><th class="column-order_date">Date</th><th class="column-order_status">Status</th><th class="column-order_total">Total</th></tr></thead>
<tbody id="the-list">
${orderRows(list)}</tbody>
</table>`;
}

function send(ctx: RouterContext, title: string, bodyClass: string, body: SafeHtml, status = 200): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = adminPage({ title, bodyClass, body });
}

function notFound(ctx: RouterContext, what: string): void {
  send(ctx, 'Not found', 'admin-not-found', html`<h1 class="wp-heading-inline">${what} not found</h1><p><a href="/admin/orders">Back to orders</a></p>`, 404);
}

const idParam = (ctx: RouterContext): number | null => {
  const raw = ctx.params.id ?? '';
  return /^\d{1,9}$/.test(raw) ? Number(raw) : null;
};

export function createAdminRouter(): Router {
  const router = new Router({ prefix: '/admin' });

  router.get('/', (ctx) => ctx.redirect('/admin/orders'));

  router.get('/orders', (ctx) => {
    const newestFirst = [...orders].sort((a, b) => (a.dateCreatedGmt < b.dateCreatedGmt ? 1 : -1));
    send(ctx, 'Orders', 'post-type-shop_order', html`<h1 class="wp-heading-inline">Orders</h1>
${ordersTable(newestFirst, 'orders-table')}`);
  });

  router.get('/orders/:id', (ctx) => {
    const id = idParam(ctx);
    const order = id === null ? undefined : findOrder(id);
    if (!order) return notFound(ctx, 'Order');
    const billing = orderBilling(order);
    const totals = orderTotals(order);
    const customer = findCustomer(order.customerId);
    const body = html`<h1 class="wp-heading-inline">Edit order</h1>
<div id="order_data" class="postbox panel woocommerce-order-data" data-order-id="${order.id}" data-customer-id="${order.customerId}">
  <h2 class="woocommerce-order-data__heading">Order #<span class="order-number">${order.id}</span> details</h2>
  <p class="woocommerce-order-data__meta order_number">Placed <time datetime="${order.dateCreatedGmt}Z">${formatDate(order.dateCreatedGmt)}</time> · Paid via Direct bank transfer</p>
  <div class="order_data_column_container">
    <div class="order_data_column" id="order_general">
      <h3>General</h3>
      <p class="form-field form-field-wide wc-order-status"><label for="order_status">Status:</label>
        <select id="order_status" name="order_status" disabled>
          ${(['pending', 'processing', 'on-hold', 'completed'] as const).map(
            (s) => html`<option value="wc-${s}"${s === order.status ? html` selected` : ''}>${statusLabel(s)}</option>`,
          )}
        </select> ${statusMark(order)}</p>
      <p class="form-field form-field-wide wc-customer-user"><label>Customer:</label>
        ${
          customer
            ? html`<a class="customer-link" href="/admin/customers/${customer.id}" data-customer-id="${customer.id}">${customer.firstName} ${customer.lastName} (#${customer.id} – ${customer.email})</a>`
            : html`<span class="customer-guest" data-customer-id="0">Guest</span>`
        }</p>
    </div>
    <div class="order_data_column" id="order_billing"><h3>Billing</h3>${addressBlock(billing.address, billing.email)}</div>
    <div class="order_data_column" id="order_shipping"><h3>Shipping</h3>${addressBlock(billing.address, billing.email)}</div>
  </div>
</div>
<div id="woocommerce-order-items" class="postbox">
  <table id="order_line_items" class="woocommerce_order_items widefat">
    <thead><tr><th class="item">Item</th><th class="item_cost">Cost</th><th class="quantity">Qty</th><th class="line_cost">Total</th></tr></thead>
    <tbody>
    ${order.lineItems.map((item) => {
      const product = findProduct(item.productId);
      return html`<tr class="item" data-order_item_id="${item.id}" data-product-id="${item.productId}">
      <td class="name">${product?.name ?? `Product #${item.productId}`}${product ? html` <small class="wc-order-item-sku">SKU: ${product.sku}</small>` : ''}</td>
      <td class="item_cost">${formatPrice(product?.price ?? '0.00', CURRENCY)}</td>
      <td class="quantity">× ${item.quantity}</td>
      <td class="line_cost">${formatPrice(money(lineTotal(item)), CURRENCY)}</td>
    </tr>
    `;
    })}</tbody>
  </table>
  <table class="wc-order-totals">
    <tr class="order-subtotal"><td class="label">Items subtotal:</td><td class="total">${formatPrice(totals.subtotal, CURRENCY)}</td></tr>
    <tr class="order-shipping"><td class="label">Shipping:</td><td class="total">${formatPrice(totals.shipping, CURRENCY)}</td></tr>
    <tr class="order-total"><td class="label">Order Total:</td><td class="total"><strong>${formatPrice(totals.total, CURRENCY)}</strong></td></tr>
  </table>
</div>
<p><a href="/admin/orders">← All orders</a></p>`;
    send(ctx, `Edit order #${order.id}`, 'post-type-shop_order woocommerce-order-edit', body);
  });

  router.get('/customers/:id', (ctx) => {
    const id = idParam(ctx);
    const customer = id === null ? undefined : findCustomer(id);
    if (!customer) return notFound(ctx, 'Customer');
    const list = ordersOf(customer.id).sort((a, b) => (a.dateCreatedGmt < b.dateCreatedGmt ? 1 : -1));
    const spent = list.reduce((sum, o) => sum + Number(orderTotals(o).total), 0);
    const body = html`<h1 class="wp-heading-inline">Customer: <span class="customer-name">${customer.firstName} ${customer.lastName}</span></h1>
<div id="customer_data" class="postbox" data-customer-id="${customer.id}">
  <div class="order_data_column_container">
    <div class="order_data_column" id="customer_general">
      <h3>Account</h3>
      <p><strong>Customer ID:</strong> <span class="customer-id">${customer.id}</span></p>
      <p><strong>Username:</strong> <span class="username">${customer.username}</span></p>
      <p><strong>Email:</strong> <a class="customer-email" href="mailto:${customer.email}">${customer.email}</a></p>
      <p><strong>Orders:</strong> <span class="orders-count">${list.length}</span> · <strong>Total spent:</strong> <span class="total-spent">${formatPrice(money(spent), CURRENCY)}</span></p>
    </div>
    <div class="order_data_column" id="customer_billing"><h3>Billing address</h3>${addressBlock(customer.address, customer.email)}</div>
  </div>
</div>
<h2>Orders</h2>
${list.length > 0 ? ordersTable(list, 'customer-orders') : html`<p class="no-items">No orders yet.</p>`}
<p><a href="/admin/orders">← All orders</a></p>`;
    send(ctx, `${customer.firstName} ${customer.lastName}`, 'user-edit-php woocommerce-customer', body);
  });

  return router;
}
