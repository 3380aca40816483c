// docs/api.md: every name each package entry point exports, values and types, with its kind and
// the first sentence of its documentation, read from the entry points' sources with the
// TypeScript compiler (no build needed).
//
//   node scripts/api-list.mjs           writes docs/api.md (`pnpm docs:generate` runs it)
//   node scripts/api-list.mjs --check   exits 1 when docs/api.md is out of date
//
// test/docs/api.test.ts runs the same check: a change to what an entry exports fails the tests
// until docs/api.md is regenerated, so every change of the public API shows in a diff of it.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../', import.meta.url));
export const apiFile = join(root, 'docs', 'api.md');

/**
 * @typedef {object} EntryPoint
 * @property {string} specifier what an app imports
 * @property {string} dir the package's directory under packages/
 * @property {string[]} subpaths the keys of the package's `exports` that lead to this entry
 * @property {string} source the entry's source, relative to the repository
 * @property {string} about one line on who the entry is for
 */

/** @type {EntryPoint[]} */
export const entryPoints = [
  {
    specifier: '@vodkit/contract',
    dir: 'contract',
    subpaths: ['.'],
    source: 'packages/contract/src/index.ts',
    about: 'The HTTP contract alone (ts-rest and zod): routes, schemas, error codes. No server code, nothing of Node.',
  },
  {
    specifier: '@vodkit/core',
    dir: 'core',
    subpaths: ['.'],
    source: 'packages/core/src/index.ts',
    about:
      'For embedders (`createVodkit`, its options, stores, storage, errors, logger, defaults) and host authors (answers, `toResponse`, `ConnectionInfo`). Any runtime.',
  },
  {
    specifier: '@vodkit/core/node',
    dir: 'core',
    subpaths: ['./node'],
    source: 'packages/core/src/node.ts',
    about:
      'Node pieces: scrypt passwords, files on disk, busboy multipart, the MySQL store and its migrations, `openVodkit`.',
  },
  {
    specifier: '@vodkit/core/cli',
    dir: 'core',
    subpaths: ['./cli'],
    source: 'packages/core/src/cli.ts',
    about: 'The `vodkit` command every host shares: flags, environment, start-up errors, the stop on SIGTERM/SIGINT.',
  },
  {
    specifier: '@vodkit/core/testing',
    dir: 'core',
    subpaths: ['./testing'],
    source: 'packages/core/src/testing/index.ts',
    about: 'The store suite every `Store` adapter runs, under vitest (an optional peer dependency).',
  },
  {
    specifier: '@vodkit/client',
    dir: 'client',
    subpaths: ['.', './node'],
    source: 'packages/client/src/node.ts',
    about:
      'The typed client in Node (also `@vodkit/client/node`); browsers and bundlers resolve `@vodkit/client` to `@vodkit/client/browser`.',
  },
  {
    specifier: '@vodkit/client/browser',
    dir: 'client',
    subpaths: ['./browser'],
    source: 'packages/client/src/browser.ts',
    about: 'The typed client on `fetch` alone, for browsers.',
  },
  {
    specifier: '@vodkit/host-node',
    dir: 'host-node',
    subpaths: ['.'],
    source: 'packages/host-node/src/index.ts',
    about: 'vodkit on `node:http`: a request listener for an existing server, and `serve`.',
  },
  {
    specifier: '@vodkit/host-bun',
    dir: 'host-bun',
    subpaths: ['.'],
    source: 'packages/host-bun/src/index.ts',
    about: 'vodkit on `Bun.serve`.',
  },
];

/**
 * The `exports` keys of the published packages (packages/*, not private) that no entry point
 * above documents, as `package subpath`: each must be listed here, or not exported.
 */
export function undocumentedSubpaths() {
  const packagesDir = join(root, 'packages');
  /** @type {string[]} */
  const missing = [];
  for (const dir of readdirSync(packagesDir)) {
    const file = join(packagesDir, dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    if (pkg.private) continue;
    const documented = entryPoints.filter((entry) => entry.dir === dir).flatMap((entry) => entry.subpaths);
    const subpaths = typeof pkg.exports === 'object' && !('import' in pkg.exports) ? Object.keys(pkg.exports) : ['.'];
    for (const subpath of subpaths) {
      if (subpath !== './package.json' && !documented.includes(subpath)) missing.push(`${pkg.name} ${subpath}`);
    }
  }
  return missing;
}

/** The compiler options of the repository (tsconfig.base.json: paths to the sources). */
function compilerOptions() {
  const configFile = join(root, 'tsconfig.base.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, { noEmit: true, types: ['node'] }, configFile);
  return parsed.options;
}

/**
 * What a symbol is, as a reader of the API cares: a function (a `const` holding one too), a
 * class, a const, an interface, a type; a name that is both a value and a type says both.
 * @param {ts.Symbol} symbol
 * @param {ts.TypeChecker} checker
 */
function kindOf(symbol, checker) {
  const flags = symbol.flags;
  /** @type {string[]} */
  const kinds = [];
  if (flags & ts.SymbolFlags.Class) kinds.push('class');
  else if (flags & ts.SymbolFlags.Function) kinds.push('function');
  else if (flags & ts.SymbolFlags.Enum) kinds.push('enum');
  else if (flags & ts.SymbolFlags.Variable) {
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    const callable =
      declaration !== undefined &&
      checker.getTypeOfSymbolAtLocation(symbol, declaration).getCallSignatures().length > 0;
    kinds.push(callable ? 'function' : 'const');
  } else if (flags & ts.SymbolFlags.ValueModule) kinds.push('namespace');
  if (flags & ts.SymbolFlags.Interface) kinds.push('interface');
  if (flags & ts.SymbolFlags.TypeAlias) kinds.push('type');
  return kinds.join(', ') || 'unknown';
}

/**
 * The first sentence of a documentation comment, on one line, with `{@link X}` written as X.
 * @param {string} text
 */
export function firstSentence(text) {
  const plain = text
    .replace(/\{@link(?:code|plain)?\s+([^}\s|]+)(?:[\s|]+([^}]*))?\}/g, (_, name, label) => label?.trim() || name)
    .replace(/\s+/g, ' ')
    .trim();
  const end = plain.search(/[.!?](?=\s|$)/);
  return end === -1 ? plain : plain.slice(0, end + 1);
}

/**
 * Names in a reader's order: case aside first (`Contract` beside `contract`), then capitals first.
 * @param {string} a
 * @param {string} b
 */
const byName = (a, b) => {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
};

/**
 * The names one entry exports, sorted, each with its kind and summary.
 * @param {ts.TypeChecker} checker
 * @param {ts.SourceFile} file
 */
function exportsOf(checker, file) {
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (!moduleSymbol) return [];
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((exported) => {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const docs = [exported, target].map((symbol) =>
        firstSentence(ts.displayPartsToString(symbol.getDocumentationComment(checker))),
      );
      const deprecated = [exported, target]
        .flatMap((symbol) => symbol.getJsDocTags(checker))
        .find((tag) => tag.name === 'deprecated');
      const summary = deprecated
        ? `**Deprecated:** ${firstSentence(ts.displayPartsToString(deprecated.text))}`
        : (docs.find(Boolean) ?? '');
      return { name: exported.name, kind: kindOf(target, checker), summary: summary.trim() };
    })
    .sort((a, b) => byName(a.name, b.name));
}

/** docs/api.md as the sources have it now. */
export function renderApiList() {
  const sources = entryPoints.map((entry) => join(root, entry.source));
  const program = ts.createProgram(sources, compilerOptions());
  const checker = program.getTypeChecker();
  const lines = [
    '# API',
    '',
    "<!-- Generated by scripts/api-list.mjs (`pnpm docs:generate`) from the entry points' sources; test/docs/api.test.ts fails when it is out of date. Do not edit by hand. -->",
    '',
    'Every name each package entry point exports — values and types — with its kind and the first',
    'sentence of its documentation. Anything not listed here is internal, and may change in any release.',
  ];
  for (const entry of entryPoints) {
    const file = program.getSourceFile(join(root, entry.source));
    if (!file) throw new Error(`${entry.source}: not found`);
    lines.push(
      '',
      `## \`${entry.specifier}\``,
      '',
      `${entry.about} Source: [${entry.source}](../${entry.source}).`,
      '',
    );
    for (const { name, kind, summary } of exportsOf(checker, file)) {
      lines.push(`- \`${name}\` — ${kind}${summary ? `. ${summary}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const missing = undocumentedSubpaths();
  if (missing.length > 0) {
    console.error(`api-list: entry points not in scripts/api-list.mjs: ${missing.join(', ')}`);
    process.exit(1);
  }
  const rendered = renderApiList();
  if (process.argv.includes('--check')) {
    const current = existsSync(apiFile) ? readFileSync(apiFile, 'utf8') : '';
    if (current !== rendered) {
      console.error('docs/api.md is out of date: run `node scripts/api-list.mjs`');
      process.exit(1);
    }
    console.log('docs/api.md is up to date');
  } else {
    writeFileSync(apiFile, rendered);
    console.log('wrote docs/api.md');
  }
}
