import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { node: 'src/node.ts', browser: 'src/browser.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  tsconfig: 'tsconfig.node.json',
  // The contract is a dependency, not bundled: one copy of zod and ts-rest with the app's.
  external: ['@vodkit/contract', 'undici'],
});
