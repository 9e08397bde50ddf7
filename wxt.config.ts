import { defineConfig } from 'wxt';

/**
 * The agent's Chrome extension (MV3). The call lives in the console page (an extension page in
 * its own window), so navigating the shop admin cannot end it; the content script only overlays
 * caller context and compact controls on admin pages.
 */
export default defineConfig({
  srcDir: 'extension',
  outDir: '.output',
  modules: ['@wxt-dev/module-svelte'],
  manifest: {
    name: 'Counterpart for agents',
    description: 'Take shoppers’ video calls inside your shop back office.',
    permissions: ['storage'],
    host_permissions: ['http://localhost/*', 'http://127.0.0.1/*'],
    action: { default_title: 'Open the Counterpart console' },
  },
});
