// The published packages as a user gets them: each packed by `pnpm pack` (what `pnpm publish`
// uploads), installed with npm into fresh projects outside the workspace, then run and
// type-checked from there. Nothing resolves to the workspace's sources or node_modules: a missing
// file in `files`, a wrong `exports` path or a dependency only the workspace provides fails here.
// Needs the built dist (`pnpm test` builds first) and the npm registry, for the packages' own
// dependencies.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docExamples } from '../../packages/client/test/doc-examples.js';
import { bunBinary } from '../support/bun.js';
import { mp4Bytes } from '../support/files.js';
import { listeningUrl, useProcesses } from '../support/processes.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');

/** The publishable packages, by directory under packages/ (host-bun: installed, run with Bun). */
const packages = ['contract', 'core', 'client', 'host-node', 'host-bun'] as const;
type PackageDir = (typeof packages)[number];

/**
 * The environment of npm and the programs run in the projects: this process's, without the
 * `npm_*` variables pnpm sets for its scripts (`pnpm test`): npm would read them as its own
 * configuration. A registry set as NPM_CONFIG_REGISTRY (upper case) is kept.
 */
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_'))) as NodeJS.ProcessEnv;

const npmInstall = (cwd: string, specs: string[]) =>
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], {
    cwd,
    env: cleanEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });

/** A fresh npm project (an ES module package) in `dir`. */
async function newProject(dir: string, name: string) {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  return dir;
}

/** Every package installed under `node_modules` (nested ones too), from npm's lockfile. */
async function installed(project: string) {
  const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; resolved?: string; link?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path]) => path !== '')
    .map(([path, entry]) => ({ path, name: path.slice(path.lastIndexOf('node_modules/') + 13), ...entry }));
}

/** Bytes of every file under `dir`. */
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await sizeOf(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/**
 * The consumer type-checked under each module resolution. The `@ts-expect-error` lines fail the
 * check if a package's types resolve to `any` (an unresolved import inside a .d.ts would).
 */
const consumer = (withBrowser: boolean) => `
import { createVodkitClient, type ErrorCode, isVodkitClientError, unwrap, type VodkitClient } from '@vodkit/client';
${withBrowser ? "import { type BrowserUploadSource, createVodkitClient as createBrowserClient } from '@vodkit/client/browser';" : ''}
import { contract, errorCodes } from '@vodkit/contract';
import { createVodkit, memoryStore, type Vodkit } from '@vodkit/core';
import { type OpenVodkitOptions, openVodkit } from '@vodkit/core/node';
import { type RunningServer, serve } from '@vodkit/host-node';

/** A result is keyed by status: each status narrows the body. */
export async function describeVideo(client: VodkitClient<string>, vid: string): Promise<string> {
  const result = await client.api.getVideo({ params: { vid } });
  if (result.status === 200) {
    const size: number | null = result.body.size;
    // @ts-expect-error a video is no error body
    result.body.error;
    return \`\${result.body.name}: \${size ?? '?'} bytes\`;
  }
  if (result.status === 404) {
    const code: ErrorCode = result.body.error.code;
    return code;
  }
  return \`status \${result.status}\`;
}

export async function start(options: OpenVodkitOptions): Promise<RunningServer> {
  const vodkit: Vodkit = await openVodkit(options);
  return serve(vodkit, { port: 0 });
}

export const store = memoryStore();
export const create: typeof createVodkit = createVodkit;
export const client = createVodkitClient({ baseUrl: 'http://127.0.0.1:8000' });
export const routes: number = Object.keys(contract).length + Object.keys(errorCodes).length;
export const notFound = (error: unknown): boolean => isVodkitClientError(error, 'VIDEO_NOT_FOUND');
export const video = (vid: string) => unwrap(client.api.getVideo({ params: { vid } })).then((body) => body.name);
// @ts-expect-error not a route of the contract
client.api.noSuchRoute;
// @ts-expect-error not an error code of the contract
export const wrongCode: ErrorCode = 'NO_SUCH_CODE';
${
  withBrowser
    ? `export const browser = createBrowserClient({ baseUrl: 'https://vodkit.example' });
export const source: BrowserUploadSource = new Blob([]);`
    : ''
}
`;

interface Mode {
  name: string;
  moduleResolution: string;
  module: string;
  /** consumer.ts is ESM (the project is "type": "module"), consumer.cts CommonJS: both in one program. */
  files: ('consumer.ts' | 'consumer.cts')[];
  /** A Node program without the DOM lib, which imports no browser entry. */
  dom: boolean;
}

// One program per resolution, its ESM and CJS consumers together: the packages' and their
// dependencies' declarations are checked once (most of the time of a run).
const modes: Mode[] = [
  { name: 'node16', moduleResolution: 'node16', module: 'node16', files: ['consumer.ts', 'consumer.cts'], dom: true },
  {
    name: 'nodenext',
    moduleResolution: 'nodenext',
    module: 'nodenext',
    files: ['consumer.ts', 'consumer.cts'],
    dom: true,
  },
  {
    name: 'nodenext, no DOM lib',
    moduleResolution: 'nodenext',
    module: 'nodenext',
    files: ['consumer.ts', 'consumer.cts'],
    dom: false,
  },
  { name: 'bundler', moduleResolution: 'bundler', module: 'esnext', files: ['consumer.ts'], dom: true },
  { name: 'node10', moduleResolution: 'node10', module: 'commonjs', files: ['consumer.cts'], dom: true },
];

/** At most `limit` at once: each tsc takes a core and half a GB. */
function pool(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

describe('packaging: the packed packages installed with npm outside the workspace', () => {
  const { launch } = useProcesses();
  let work = '';
  const tarballs = {} as Record<PackageDir, string>;
  const manifests = {} as Record<PackageDir, Record<string, unknown>>;
  let full = '';
  let lean = '';
  let started = 0;

  // npm compiles better-sqlite3 from source here (no prebuilt binary offline): about a minute on
  // an idle core, several while the other test files share the machine.
  beforeAll(async () => {
    started = Date.now();
    for (const dir of packages) {
      if (!existsSync(join(root, 'packages', dir, 'dist'))) {
        throw new Error(`packages/${dir}/dist is missing: run \`pnpm build\` first (\`pnpm test\` does).`);
      }
    }
    work = await mkdtemp(join(tmpdir(), 'vodkit-packaging-'));
    const packed = join(work, 'packed');
    await mkdir(packed);
    await Promise.all(
      packages.map(async (dir) => {
        const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', packed], {
          cwd: join(root, 'packages', dir),
          env: cleanEnv(),
        });
        tarballs[dir] = (JSON.parse(stdout) as { filename: string }).filename;
        // The package.json as published, from the tarball itself.
        const { stdout: manifest } = await run('tar', ['-xzOf', tarballs[dir], 'package/package.json']);
        manifests[dir] = JSON.parse(manifest) as Record<string, unknown>;
      }),
    );
    const packedAt = Date.now();
    // Both projects at once. Every tarball in one `npm install`: the @vodkit/* dependencies are
    // satisfied by the tarballs beside them, never looked up in the registry (they are not there).
    [full, lean] = await Promise.all([
      newProject(join(work, 'full'), 'vodkit-consumer').then(async (dir) => {
        const typesNode = createRequire(import.meta.url)('@types/node/package.json') as { version: string };
        await npmInstall(dir, [...packages.map((name) => tarballs[name]), `@types/node@${typesNode.version}`]);
        return dir;
      }),
      newProject(join(work, 'lean'), 'vodkit-client-only').then(async (dir) => {
        await npmInstall(dir, [tarballs.client, tarballs.contract]);
        return dir;
      }),
    ]);
    console.log(`packaging: packed in ${packedAt - started} ms, installed in ${Date.now() - packedAt} ms (${work})`);
  }, 600_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
    console.log(`packaging: ${Date.now() - started} ms in all`);
  });

  it('publishes real versions: no workspace: range is left in a packed package.json', () => {
    for (const dir of packages) {
      const manifest = manifests[dir];
      expect(JSON.stringify(manifest), dir).not.toContain('workspace:');
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
        for (const [name, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
          if (name.startsWith('@vodkit/')) expect(range, `${dir}: ${field}.${name}`).toBe(manifests.core.version);
        }
      }
    }
    expect(manifests.client.dependencies).toHaveProperty('@vodkit/contract');
  });

  it('installs every @vodkit package from its tarball, one copy each', async () => {
    const vodkit = (await installed(full)).filter((entry) => entry.name.startsWith('@vodkit/'));
    expect(vodkit.map((entry) => entry.path).sort()).toEqual(
      packages.map((dir) => `node_modules/@vodkit/${dir}`).sort(),
    );
    for (const entry of vodkit) expect(entry.resolved, entry.path).toMatch(/^file:/);
  });

  it('keeps the client lean: client and contract pull no server dependency', async () => {
    const entries = await installed(lean);
    const names = [...new Set(entries.map((entry) => entry.name))].sort();
    expect(names).not.toContain('mysql2');
    expect(names).not.toContain('@fastify/busboy');
    expect(existsSync(join(lean, 'node_modules/mysql2'))).toBe(false);
    expect(existsSync(join(lean, 'node_modules/@fastify/busboy'))).toBe(false);
    // What it does depend on: the contract (zod with it), ts-rest, undici, and tus-js-client (resumable
    // uploads) with its dependencies. A new dependency is a choice to make here.
    expect(names).toEqual([
      '@ts-rest/core',
      '@vodkit/client',
      '@vodkit/contract',
      'buffer-from',
      'combine-errors',
      'custom-error-instance',
      'graceful-fs',
      'is-stream',
      'js-base64',
      'lodash._baseiteratee',
      'lodash._basetostring',
      'lodash._baseuniq',
      'lodash._createset',
      'lodash._root',
      'lodash._stringtopath',
      'lodash.throttle',
      'lodash.uniqby',
      'proper-lockfile',
      'querystringify',
      'requires-port',
      'retry',
      'signal-exit',
      'tus-js-client',
      'undici',
      'url-parse',
      'zod',
    ]);
    const bytes = await sizeOf(join(lean, 'node_modules'));
    const perPackage = await Promise.all(
      names.map(async (name) => `${name} ${((await sizeOf(join(lean, 'node_modules', name))) / 1024).toFixed(0)} KiB`),
    );
    console.log(
      `packaging: @vodkit/client alone installs ${names.length} packages, ${(bytes / 1024 ** 2).toFixed(1)} MiB: ${perPackage.join(', ')}`,
    );
  });

  it('loads every entry point of the Node packages from CommonJS and from ESM', async () => {
    // Every subpath of every `exports` map but host-bun's (Bun only) and core's testing (it
    // registers vitest tests: vitest is its optional peer dependency, not installed here).
    const skipped = new Set(['@vodkit/core/testing']);
    const specifiers = packages
      .filter((dir) => dir !== 'host-bun')
      .flatMap((dir) => {
        const { name, exports } = manifests[dir] as { name: string; exports: Record<string, unknown> };
        return Object.keys(exports)
          .filter((subpath) => subpath !== './package.json')
          .map((subpath) => `${name}${subpath.slice(1)}`);
      })
      .filter((specifier) => !skipped.has(specifier));
    expect(specifiers).toEqual(
      expect.arrayContaining([
        '@vodkit/client',
        '@vodkit/client/browser',
        '@vodkit/client/node',
        '@vodkit/contract',
        '@vodkit/core',
        '@vodkit/core/node',
        '@vodkit/host-node',
      ]),
    );
    const script = (load: string) =>
      specifiers
        .map((name) => `if (Object.keys(${load}('${name}')).length === 0) throw new Error('${name} exports nothing');`)
        .join('\n');
    await writeFile(join(full, 'load.cjs'), script('require'));
    await writeFile(join(full, 'load.mjs'), script('await import'));
    await run(process.execPath, ['load.cjs'], { cwd: full, env: cleanEnv() });
    await run(process.execPath, ['load.mjs'], { cwd: full, env: cleanEnv() });
  });

  it("starts the installed vodkit command and runs the docs' Node client example against it", async () => {
    // node_modules/.bin/vodkit as npm linked it: its #!/usr/bin/env node finds this Node first.
    const bin = join(full, 'node_modules/.bin/vodkit');
    expect(existsSync(bin)).toBe(true);
    const dataDir = join(work, 'data');
    const cli = launch(bin, ['--port', '0', '--data-dir', dataDir], {
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
    });
    const url = await listeningUrl(cli);
    const listening = cli.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message: string; store?: string })
      .find((line) => line.message.startsWith('vodkit listening on '));
    // The default store, on the better-sqlite3 that npm installed (and built) for the tarball.
    expect(listening).toMatchObject({
      message: `vodkit listening on ${url}`,
      store: 'sqlite',
      database: join(dataDir, 'vodkit.db'),
    });

    // The example imports '@vodkit/client' as written. It runs in the client-only project: the
    // installed tarball, with nothing but its own dependencies beside it.
    const { examples } = await docExamples();
    const code = examples.find((example) => example.runtime === 'node')?.code;
    expect(code).toBeTruthy();
    await writeFile(join(lean, 'example.mjs'), code ?? '');
    const bytes = mp4Bytes(300_000);
    await writeFile(join(lean, 'holiday.mp4'), bytes);
    const { stdout } = await run(process.execPath, ['example.mjs'], {
      cwd: lean,
      env: { ...cleanEnv(), VODKIT_URL: url },
    });
    const lines = stdout.trim().split('\n');
    expect(lines).toContain(`sent ${bytes.length} of ${bytes.length} bytes`);
    expect(lines.find((line) => line.startsWith('ready: '))).toMatch(
      new RegExp(`^ready: ${url}/stream/videos/[0-9a-f-]{36}$`),
    );
    expect(lines).toContain(`got bytes 0-1023/${bytes.length}`);
    expect(lines.some((line) => /^alice_\d+: First!$/.test(line))).toBe(true);
    expect(lines).toContain('not found: No such video.');

    cli.child.kill('SIGTERM');
    expect(await cli.exit).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('starts the installed vodkit-bun command with Bun', async () => {
    const cli = launch(bunBinary, [join(full, 'node_modules/@vodkit/host-bun/bin/vodkit-bun.js'), '--port', '0'], {
      VODKIT_DATA_DIR: join(work, 'data-bun'),
    });
    const url = await listeningUrl(cli);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
  }, 60_000);

  describe.concurrent('type-checks a consumer with the TypeScript of the workspace', () => {
    const limited = pool(Math.max(1, availableParallelism()));
    it.each(modes)(
      'moduleResolution $name ($files)',
      async (mode) => {
        const dir = join(full, `ts-${mode.name.replace(/\W+/g, '-')}`);
        await mkdir(dir);
        for (const file of mode.files) await writeFile(join(dir, file), consumer(mode.dom));
        await writeFile(
          join(dir, 'tsconfig.json'),
          JSON.stringify({
            compilerOptions: {
              module: mode.module,
              moduleResolution: mode.moduleResolution,
              target: 'es2022',
              lib: mode.dom ? ['es2023', 'dom'] : ['es2023'],
              types: ['node'],
              strict: true,
              noEmit: true,
              // The packages' .d.ts files are checked too: an import in them that does not resolve is an error.
              skipLibCheck: false,
            },
            files: mode.files,
          }),
        );
        try {
          await limited(() => run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, env: cleanEnv() }));
        } catch (error) {
          const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
          throw new Error(`tsc failed under moduleResolution ${mode.name}:\n${stdout}${stderr}`);
        }
      },
      180_000,
    );
  });
});
