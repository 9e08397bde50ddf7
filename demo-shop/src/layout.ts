/**
 * Page chrome of the storefront and the admin, and the generated product images.
 */
import type { Customer, Product } from './data';
import { html, raw, type SafeHtml } from './html';

const STORE_CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#2b2a28;background:#faf8f5}
a{color:#7a4b2a}header.site-header{display:flex;align-items:center;justify-content:space-between;gap:1rem;padding:1rem 2rem;background:#fff;border-bottom:1px solid #e8e2d9}
.site-title{font-weight:700;font-size:1.25rem;text-decoration:none;color:#2b2a28}.account{font-size:.9rem}
main{max-width:1040px;margin:0 auto;padding:2rem}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:1.5rem;list-style:none;padding:0}
.card{background:#fff;border:1px solid #e8e2d9;border-radius:10px;overflow:hidden}.card a{display:block;text-decoration:none;color:inherit}
.card img{width:100%;aspect-ratio:4/3;object-fit:cover;display:block}.card .body{padding:.8rem 1rem}.card h2{font-size:1rem;margin:0 0 .25rem}
.price{font-weight:600;color:#7a4b2a}.product{display:grid;grid-template-columns:1fr 1fr;gap:2rem}.product img{width:100%;border-radius:10px}
@media(max-width:700px){.product{grid-template-columns:1fr}}
button,.button{display:inline-block;padding:.7rem 1.4rem;border:0;border-radius:6px;background:#2b2a28;color:#fff;font:inherit;cursor:pointer;text-decoration:none}
.customers{list-style:none;padding:0}.customers li{display:flex;justify-content:space-between;padding:.6rem 0;border-bottom:1px solid #e8e2d9}
footer{padding:2rem;text-align:center;color:#8b857c;font-size:.85rem}`;

export function storePage(opts: { title: string; customer: Customer | null; body: SafeHtml; scripts?: SafeHtml; lang?: string }): string {
  const { customer } = opts;
  return html`<!doctype html>
<html lang="${opts.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} – Linden &amp; Loom</title>
<style>${raw(STORE_CSS)}</style>
</head>
<body>
<header class="site-header">
  <a class="site-title" href="/">Linden &amp; Loom</a>
  <nav class="account" id="account-nav"${customer ? html` data-customer-id="${customer.id}"` : ''}>
    ${
      customer
        ? html`Signed in as <strong class="customer-name">${customer.firstName} ${customer.lastName}</strong> · <a href="/account/logout">Sign out</a>`
        : html`<a href="/account/login">Sign in</a>`
    }
  </nav>
</header>
<main id="content">
${opts.body}
</main>
<footer>Linden &amp; Loom is a demo shop for Counterpart. Nothing here is for sale.</footer>
${opts.scripts ?? ''}
</body>
</html>
`.value;
}

const ADMIN_CSS = `
body{margin:0;font:13px/1.4 -apple-system,"Segoe UI",Roboto,sans-serif;background:#f0f0f1;color:#3c434a}
#wpwrap{display:flex;min-height:100vh}#adminmenuwrap{width:160px;background:#1d2327}#adminmenu{list-style:none;margin:0;padding:.5rem 0}
#adminmenu a{display:block;padding:.5rem 1rem;color:#f0f0f1;text-decoration:none}#adminmenu a:hover{color:#72aee6}
#wpcontent{flex:1;padding:0 20px}#wpbody-content{padding-bottom:40px}h1.wp-heading-inline{font-size:23px;font-weight:400;margin:.8rem 0}
a{color:#2271b1}table.widefat{width:100%;border-collapse:collapse;background:#fff;border:1px solid #c3c4c7}
.widefat th,.widefat td{padding:8px 10px;text-align:left;border-bottom:1px solid #f0f0f1}.striped>tbody>:nth-child(odd){background:#f6f7f7}
mark.order-status{display:inline-block;padding:0 .6em;border-radius:4px;background:#e5e5e5;line-height:2.2}
.status-processing{background:#c6e1c6!important;color:#5b841b}.status-completed{background:#c8d7e1!important;color:#2e4453}
.status-on-hold{background:#f8dda7!important;color:#94660c}.status-pending{background:#e5e5e5!important;color:#777}
.postbox{background:#fff;border:1px solid #c3c4c7;padding:12px 16px;margin:16px 0}.order_data_column_container{display:flex;gap:2rem;flex-wrap:wrap}
.order_data_column{flex:1;min-width:200px}address{font-style:normal}`;

export function adminPage(opts: { title: string; body: SafeHtml; bodyClass: string }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${opts.title} ‹ Linden &amp; Loom — WooCommerce</title>
<style>${raw(ADMIN_CSS)}</style>
</head>
<body class="wp-admin woocommerce-page ${opts.bodyClass}">
<div id="wpwrap">
  <div id="adminmenuwrap">
    <ul id="adminmenu">
      <li id="menu-orders"><a href="/admin/orders">Orders</a></li>
      <li id="menu-store"><a href="/">Visit store</a></li>
    </ul>
  </div>
  <div id="wpcontent">
    <div id="wpbody" role="main">
      <main id="wpbody-content">
${opts.body}
      </main>
    </div>
  </div>
</div>
</body>
</html>
`.value;
}

/** A simple deterministic SVG illustration for a product. */
export function productSvg(p: Product): string {
  return html`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600" viewBox="0 0 800 600" role="img" aria-label="${p.name}">
<rect width="800" height="600" fill="#f3efe8"/>
<circle cx="400" cy="270" r="170" fill="${p.color}"/>
<rect x="250" y="440" width="300" height="24" rx="12" fill="${p.color}" opacity=".35"/>
<text x="400" y="540" text-anchor="middle" font-family="system-ui, sans-serif" font-size="36" fill="#2b2a28">${p.name}</text>
</svg>
`.value;
}
