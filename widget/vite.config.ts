import { build, defineConfig, type InlineConfig, type Plugin } from 'vite';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The ticket page (`/ticket/`, where a shopper follows the ticket of a conversation): its own
 * build into `dist/ticket`, run after the widget's. Built apart, it shares no chunk with `app.js`,
 * which stays one file: a shop page's cached `app.js` never asks for a chunk a newer build removed.
 * Its HTML loads one module script and nothing inline (the server sends a strict CSP with it).
 */
const ticketPage: InlineConfig = {
  configFile: false,
  root: here('ticket'),
  base: '/ticket/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: here('../dist/ticket'),
    emptyOutDir: true,
    target: 'es2020',
    modulePreload: false,
    sourcemap: false,
  },
};

const alsoTicketPage = (): Plugin => ({
  name: 'counterpart:ticket-page',
  apply: 'build',
  async closeBundle() {
    await build(ticketPage);
  },
});

/**
 * The shopper widget's app: `app.js` and its chunks, loaded on the first click by `widget.js`,
 * the tiny loader a shop embeds (a classic script, built by esbuild as an IIFE: see build:web).
 */
export default defineConfig({
  root: here('.'),
  publicDir: false,
  plugins: [alsoTicketPage()],
  build: {
    outDir: here('../dist/widget'),
    emptyOutDir: true,
    target: 'es2020',
    modulePreload: false,
    // No source maps in the build: the server would not serve them anyway (see server/src/http/static.ts).
    sourcemap: false,
    rollupOptions: {
      input: { app: here('src/app.ts') },
      preserveEntrySignatures: 'exports-only',
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
