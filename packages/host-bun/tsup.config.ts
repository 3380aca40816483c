import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'esnext',
  // Bun's globals and modules are there at run time; nothing of the core is bundled twice.
  external: ['bun', /^bun:/, '@vodkit/core'],
});
