import { defineConfig } from 'vite';

/** Where `pnpm dev` forwards vodkit's paths, so the page and the API share the dev server's origin. */
const vodkit = 'http://127.0.0.1:8000';

export default defineConfig({
  // Relative asset URLs: the built page works wherever the host serves dist (at / by vodkit --web).
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: Object.fromEntries(['/api', '/stream', '/upload', '/healthz'].map((path) => [path, vodkit])),
  },
});
