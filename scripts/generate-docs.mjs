// Writes docs/openapi.json and the generated parts of docs/http.md from the contract.
//
//   pnpm docs:generate   (in Node, @vodkit/contract and @vodkit/core are their dist: `pnpm build` first)
//
// Both files are then formatted with Biome, as `pnpm lint` expects, so a fresh generation of an
// unchanged contract leaves the files as they are.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { renderHttpReference, routeSectionProblems } from './http-reference.mjs';
import { openApiDocument } from './openapi.mjs';

const root = new URL('../', import.meta.url);
const openApiFile = fileURLToPath(new URL('docs/openapi.json', root));
const httpFile = fileURLToPath(new URL('docs/http.md', root));

writeFileSync(openApiFile, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
writeFileSync(httpFile, renderHttpReference(readFileSync(httpFile, 'utf8')));

const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
const formatted = spawnSync(process.execPath, [biome, 'format', '--write', openApiFile, httpFile], {
  cwd: fileURLToPath(root),
  stdio: 'inherit',
});
if (formatted.status !== 0) process.exit(formatted.status ?? 1);

// The route sections of http.md are written by hand; say where they disagree with the contract.
const problems = routeSectionProblems(readFileSync(httpFile, 'utf8'));
for (const problem of problems) console.error(`docs/http.md: ${problem}`);
console.log(
  `wrote docs/openapi.json and docs/http.md${problems.length ? `; ${problems.length} problem(s) above` : ''}`,
);
process.exit(problems.length ? 1 : 0);
