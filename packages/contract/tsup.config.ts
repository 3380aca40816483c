import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // Browsers as well as Node: no Node-only syntax or APIs.
  target: 'es2022',
  tsconfig: 'tsconfig.json',
});
