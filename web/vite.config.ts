import { defineConfig } from 'vite';

// Preact through the automatic JSX runtime (tsconfig's jsxImportSource); no
// framework plugin is needed. `kelola server` serves the build from memory.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npm run dev` proxies the API to a local `kelola server` (make run).
    proxy: { '/v1': { target: process.env.KELOLA_URL ?? 'http://127.0.0.1:7480', changeOrigin: false } },
  },
  test: {
    environment: 'happy-dom',
    globals: true,
    include: ['test/**/*.test.{ts,tsx}'],
  },
});
