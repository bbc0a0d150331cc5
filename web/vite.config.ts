import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The war-room dashboard, built into dist/web and served by `tminus serve` (no CDN at run time). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
  },
});
