import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The shopper widget's app: `app.js` and its chunks, loaded on the first click by `widget.js`,
 * the tiny loader a shop embeds (a classic script, built by esbuild as an IIFE: see build:web).
 */
export default defineConfig({
  root: here('.'),
  publicDir: false,
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
