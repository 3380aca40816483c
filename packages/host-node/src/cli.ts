#!/usr/bin/env node
import { consoleLogger } from '@vodkit/core';
import { ConfigError, openVodkit, parseConfig, type VodkitConfig } from '@vodkit/core/node';
import { serve } from './serve.js';

const HELP = `Usage: vodkit [options]

  --port <n>               PORT                     default 8000
  --host <addr>            HOST                     default 127.0.0.1
  --services <list>        VODKIT_SERVICES          default api,stream,scheduler
  --database-url <url>     VODKIT_DATABASE_URL      mysql://user:pass@host:3306/db (default: embedded store)
  --data-dir <path>        VODKIT_DATA_DIR          default ./data
  --stream-tokens <n>      VODKIT_STREAM_TOKENS     default 64
  --max-upload-bytes <n>   VODKIT_MAX_UPLOAD_BYTES  default 2GiB
  --scheduler-token <t>    VODKIT_SCHEDULER_TOKEN   default: random at start
  --help                   this text
`;

/** One line naming the flag behind a failed start; a database password never appears in it. */
const startFailure = (config: VodkitConfig, error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const syscall = (error as NodeJS.ErrnoException).syscall;
  if (syscall && (error as NodeJS.ErrnoException).path) return `--data-dir: cannot use ${config.dataDir}: ${message}`;
  const where = config.databaseUrl ? new URL(config.databaseUrl).host : 'the embedded store';
  return `--database-url: cannot open ${where}: ${message}`;
};

async function main(argv: string[]) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  let config: VodkitConfig;
  try {
    config = parseConfig(argv, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`vodkit: ${error.message}\n`);
    process.exit(2);
  }
  let vodkit: Awaited<ReturnType<typeof openVodkit>>;
  try {
    vodkit = await openVodkit({
      databaseUrl: config.databaseUrl,
      services: config.services,
      dataDir: config.dataDir,
      streamTokens: config.streamTokens,
      maxUploadBytes: config.maxUploadBytes,
      ...(config.schedulerToken ? { schedulerToken: config.schedulerToken } : {}),
    });
  } catch (error) {
    process.stderr.write(`vodkit: ${startFailure(config, error)}\n`);
    process.exit(1);
  }
  const running = await serve(vodkit, { port: config.port, host: config.host, logger: consoleLogger }).catch(
    async (error: NodeJS.ErrnoException) => {
      await vodkit.close();
      process.stderr.write(
        `vodkit: --port: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}\n`,
      );
      process.exit(1);
    },
  );
  consoleLogger.info(`vodkit listening on ${running.url}`, {
    services: config.services,
    store: vodkit.store.kind,
  });
  // A generated token exists nowhere else: it is shown this once, for the operator to keep.
  if (vodkit.schedulerToken && !config.schedulerToken) {
    process.stdout.write(
      `vodkit scheduler token (generated at start; pass --scheduler-token to fix it): ${vodkit.schedulerToken}\n`,
    );
  }
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`vodkit: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
