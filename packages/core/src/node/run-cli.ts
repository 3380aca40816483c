import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { consoleLogger, type Logger } from '../logger.js';
import type { Vodkit } from '../vodkit.js';
import { ConfigError, parseConfig, type VodkitConfig } from './config.js';
import { openVodkit } from './open-vodkit.js';
import { withWebApp } from './web-app.js';

/** What a host gives the CLI: a way to serve vodkit on a port. */
export interface CliHost {
  /** The command's name, for its help and its error lines: `vodkit`, `vodkit-bun`. */
  bin: string;
  serve(
    vodkit: Vodkit,
    options: { port: number; host: string; logger: Logger; shutdownTimeoutMs: number },
  ): Promise<{ url: string }>;
  /** The built front end `--web` serves at `/` (examples/web/dist in a checkout). */
  webDir?: string;
}

const help = (bin: string) => `Usage: ${bin} [options]

  --port <n>               PORT                     default 8000
  --host <addr>            HOST                     default 127.0.0.1
  --services <list>        VODKIT_SERVICES          default api,stream,scheduler
  --database-url <url>     VODKIT_DATABASE_URL      mysql://user:pass@host:3306/db (default: embedded store)
  --data-dir <path>        VODKIT_DATA_DIR          default ./data
  --stream-tokens <n>      VODKIT_STREAM_TOKENS     default 64
  --max-upload-bytes <n>   VODKIT_MAX_UPLOAD_BYTES  default 2GiB
  --scheduler-token <t>    VODKIT_SCHEDULER_TOKEN   default: random at start
  --web                    VODKIT_WEB               serve the example web front end at / (default off)
  --stream-tokens-per-client <n>        VODKIT_STREAM_TOKENS_PER_CLIENT       default 16
  --stream-idle-timeout <duration>      VODKIT_STREAM_IDLE_TIMEOUT            default 60s
  --database-timeout <duration>         VODKIT_DATABASE_TIMEOUT               default 5s
  --shutdown-timeout <duration>         VODKIT_SHUTDOWN_TIMEOUT               default 10s
  --trusted-proxies <addresses>         VODKIT_TRUSTED_PROXIES                default none
  --sessions-per-user <n>               VODKIT_SESSIONS_PER_USER              default 20
  --password-failures-per-account <r>   VODKIT_PASSWORD_FAILURES_PER_ACCOUNT  default 10/15m
  --password-failures-per-client <r>    VODKIT_PASSWORD_FAILURES_PER_CLIENT   default 50/15m
  --comments-per-user <r>               VODKIT_COMMENTS_PER_USER              default 30/1m
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

/**
 * The `vodkit` command of every host: flags and environment parsed the same way, one clear
 * line and a non-zero exit for bad configuration, the generated scheduler token shown once.
 */
export async function runCli(host: CliHost, argv: string[], env: Record<string, string | undefined>) {
  const fail = (line: string, code: number): never => {
    process.stderr.write(`${host.bin}: ${line}\n`);
    process.exit(code);
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help(host.bin));
    return;
  }
  let config: VodkitConfig;
  try {
    config = parseConfig(argv, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return fail(error.message, 2);
  }
  const webDir = config.web ? host.webDir : undefined;
  if (config.web && !(webDir && existsSync(join(webDir, 'index.html')))) {
    return fail(
      `--web: the front end is not built${webDir ? ` in ${webDir}` : ''}: run \`pnpm --filter @vodkit/example-web build\` (\`pnpm start:web\` does)`,
      2,
    );
  }
  let vodkit: Vodkit;
  try {
    vodkit = await openVodkit({
      databaseUrl: config.databaseUrl,
      services: config.services,
      dataDir: config.dataDir,
      streamTokens: config.streamTokens,
      maxUploadBytes: config.maxUploadBytes,
      streamTokensPerClient: config.streamTokensPerClient,
      streamIdleTimeoutMs: config.streamIdleTimeoutMs,
      databaseTimeoutMs: config.databaseTimeoutMs,
      trustedProxies: config.trustedProxies,
      sessionsPerUser: config.sessionsPerUser,
      limits: {
        passwordFailuresPerAccount: config.passwordFailuresPerAccount,
        passwordFailuresPerClient: config.passwordFailuresPerClient,
        commentsPerUser: config.commentsPerUser,
      },
      ...(config.schedulerToken ? { schedulerToken: config.schedulerToken } : {}),
    });
  } catch (error) {
    return fail(startFailure(config, error), 1);
  }
  let url: string;
  try {
    const app = webDir ? withWebApp(vodkit, webDir) : vodkit;
    ({ url } = await host.serve(app, {
      port: config.port,
      host: config.host,
      logger: consoleLogger,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    }));
  } catch (error) {
    await vodkit.close();
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    return fail(`--port: cannot listen on ${config.host}:${config.port}: ${reason}`, 1);
  }
  consoleLogger.info(`${host.bin} listening on ${url}`, {
    services: config.services,
    store: vodkit.store.kind,
    ...(webDir ? { web: webDir } : {}),
  });
  // A generated token exists nowhere else: it is shown this once, for the operator to keep.
  if (vodkit.schedulerToken && !config.schedulerToken) {
    process.stdout.write(
      `vodkit scheduler token (generated at start; pass --scheduler-token to fix it): ${vodkit.schedulerToken}\n`,
    );
  }
}

/** Runs the CLI on this process's arguments; an unexpected failure is one line and exit 1. */
export function main(host: CliHost): void {
  runCli(host, process.argv.slice(2), process.env).catch((error) => {
    process.stderr.write(`${host.bin}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
