import { defineConfig } from 'tsup';

// The two builds run at once: only the first cleans, and it leaves the CLI's files alone.
const common = { sourcemap: true, target: 'node20', clean: false } as const;

export default defineConfig([
  { ...common, entry: { index: 'src/index.ts' }, format: ['esm', 'cjs'], dts: true, clean: ['**/*', '!cli.*'] },
  // The CLI is a program, not a library: ESM only (it reads import.meta.url), started by bin/vodkit.js.
  { ...common, entry: { cli: 'src/cli.ts' }, format: ['esm'] },
]);
