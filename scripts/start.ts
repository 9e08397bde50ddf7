/**
 * `npm start`: the whole demo in one process — the demo shop and the Counterpart server
 * (REST API, PeerServer, realtime channel, widget, dashboard) on SQLite, with seeded accounts.
 */
import { startShop } from '../demo-shop/src/app';
import { DEMO_ENV, loadConfig } from '../server/src/config';
import { DEMO_USERS } from '../server/src/db/seed';
import { startServer } from '../server/src/app';

const env = process.env;
const shopPort = Number(env.SHOP_PORT ?? 4100);
const serverPort = Number(env.PORT ?? 4000);
const publicUrl = env.PUBLIC_URL ?? `http://localhost:${serverPort}`;
const shopUrl = `http://localhost:${shopPort}`;

const config = loadConfig({
  ...DEMO_ENV,
  ...env,
  PORT: String(serverPort),
  SHOP_URL: env.SHOP_URL ?? `http://127.0.0.1:${shopPort}`,
  SITE_ORIGINS: env.SITE_ORIGINS ?? `${shopUrl},http://127.0.0.1:${shopPort}`,
});
const server = await startServer(config);
const shop = await startShop({
  port: shopPort,
  host: env.SHOP_HOST ?? '127.0.0.1',
  counterpartUrl: publicUrl,
  siteKey: config.site.key,
  identitySecret: config.site.identitySecret,
  consumerKey: config.shop.consumerKey,
  consumerSecret: config.shop.consumerSecret,
});

const line = '─'.repeat(72);
console.log(`
${line}
 Counterpart demo is running
${line}
 Shop storefront   ${shopUrl}/            (product pages carry the widget)
 Shop admin        ${shopUrl}/admin/orders (agents work here with the extension)
 Supervisor        ${publicUrl}/dashboard/
 Extension         load .output/chrome-mv3 unpacked in chrome://extensions
 Server            ${publicUrl}  (data in ${config.dataDir}/)

 Sign-ins:
${DEMO_USERS.map((u) => `   ${u.role.padEnd(10)} ${u.email.padEnd(26)} ${u.password}`).join('\n')}
${line}
`);

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    void Promise.all([server.close(), shop.close()]).then(() => process.exit(0));
  });
