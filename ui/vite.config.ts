import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is served by the daemon under /ui, from dist/ui: no dev server, no other host.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The preload polyfill is an inline script, which the page's CSP refuses.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
