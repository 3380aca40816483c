import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../errors/vodkit-error.js';
import { consoleLogger, type Logger } from '../logger.js';
import type { OpenSqlite } from '../store/sqlite/driver.js';
import type { Vodkit } from '../vodkit.js';
import { backupHelp, runBackup } from './backup.js';
import { ConfigError, helpText, parseConfig, type VodkitConfig } from './config.js';
import { type DatabaseTarget, databaseTarget } from './database-url.js';
import { openVodkit } from './open-vodkit.js';
import { withWebApp } from './web-app.js';

/** A server a host started for the command: where it listens, and its graceful stop. */
export interface CliServer {
  /** `http://host:port` as actually bound. */
  url: string;
  /** Stops accepting, lets requests in flight finish (up to the shutdown timeout), then closes vodkit. */
  close(): Promise<void>;
}

/** What a host gives the CLI: a way to serve vodkit on a port. */
export interface CliHost {
  /** The command's name, for its help and its error lines: `vodkit`, `vodkit-bun`. */
  bin: string;
  /** Serves vodkit (or vodkit with the web front end) until `close()`; installs no signal handler. */
  serve(
    vodkit: Vodkit,
    options: { port: number; host: string; logger: Logger; shutdownTimeoutMs: number },
  ): Promise<CliServer>;
  /** The built front end `--web` serves at `/` (examples/web/dist in a checkout). */
  webDir?: string;
  /** How the host's runtime opens a SQLite file (bun:sqlite on Bun). Default: better-sqlite3, Node's. */
  openSqlite?: OpenSqlite;
}

/** Where the store is, for the log and error lines: a SQLite file's path, MySQL's host (never its password). */
const storeLocation = (target: DatabaseTarget) =>
  target.kind === 'sqlite' ? target.path : target.kind === 'mysql' ? new URL(target.url).host : 'memory';

/** One line naming the flag behind a failed start; a database password never appears in it. */
const startFailure = (config: VodkitConfig, target: DatabaseTarget, error: unknown) => {
  // SQLite's messages are one line already ("file is not a database"); a driver's may say more below.
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  const syscall = (error as NodeJS.ErrnoException).syscall;
  if (syscall && (error as NodeJS.ErrnoException).path) return `--data-dir: cannot use ${config.dataDir}: ${message}`;
  return `--database-url: cannot open ${storeLocation(target)}: ${message}`;
};

/**
 * A parent that runs the command — npm, or pnpm without `shell-emulator` — relays the terminal's
 * Ctrl-C to it, after the terminal has already sent the same SIGINT to the whole process group:
 * one Ctrl-C arrives twice. A SIGINT this soon after the first is that relay, not an operator
 * asking for the stop to be cut short, and must not turn a clean stop into exit 130.
 */
const RELAYED_SIGINT_MS = 1000;

/**
 * The command's stop, installed once it serves: the first SIGTERM or SIGINT logs `stopping` and
 * starts the graceful close, then exits 0 (1 if the close fails); a second signal means "now"
 * (exit 130), except a SIGINT within RELAYED_SIGINT_MS of the first one.
 */
function stopOnSignals(server: CliServer, logger: Logger): void {
  let firstSigintAt: number | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (stopping) {
      if (signal === 'SIGINT' && firstSigintAt !== undefined && now - firstSigintAt < RELAYED_SIGINT_MS) return;
      process.exit(130);
    }
    stopping = true;
    if (signal === 'SIGINT') firstSigintAt = now;
    logger.info('stopping', { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('stop failed', { error: describeError(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * The `vodkit` command of every host: flags and environment parsed the same way, one clear
 * line and a non-zero exit for bad configuration, the generated scheduler token shown once.
 * Once serving, the first SIGTERM or SIGINT stops gracefully and exits 0 (1 if the stop fails);
 * a second one exits 130 at once, except a SIGINT within a second of the first (a parent's relay
 * of the same Ctrl-C).
 */
export async function runCli(host: CliHost, argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const fail = (line: string, code: number): never => {
    process.stderr.write(`${host.bin}: ${line}\n`);
    process.exit(code);
  };
  if (argv[0] === 'backup') return runBackup(host, argv.slice(1), env);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${helpText(host.bin)}\n${backupHelp(host.bin)}`);
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
  const store = databaseTarget(config.databaseUrl, config.dataDir);
  let vodkit: Vodkit;
  try {
    vodkit = await openVodkit({
      databaseUrl: config.databaseUrl,
      ...(host.openSqlite ? { openSqlite: host.openSqlite } : {}),
      services: config.services,
      dataDir: config.dataDir,
      streamTokens: config.streamTokens,
      maxUploadBytes: config.maxUploadBytes,
      streamTokensPerClient: config.streamTokensPerClient,
      streamIdleTimeoutMs: config.streamIdleTimeoutMs,
      resumableExpiryMs: config.resumableExpiryMs,
      databaseTimeoutMs: config.databaseTimeoutMs,
      trustedProxies: config.trustedProxies,
      sessionsPerUser: config.sessionsPerUser,
      limits: {
        passwordFailuresPerAccount: config.passwordFailuresPerAccount,
        passwordFailuresPerClient: config.passwordFailuresPerClient,
        commentsPerUser: config.commentsPerUser,
      },
      ...(config.schedulerToken ? { schedulerToken: config.schedulerToken } : {}),
      ...(config.corsOrigins ? { cors: { origins: config.corsOrigins } } : {}),
      ...(config.streamBaseUrl ? { streamBaseUrl: config.streamBaseUrl } : {}),
    });
  } catch (error) {
    return fail(startFailure(config, store, error), 1);
  }
  let server: CliServer;
  try {
    const app = webDir ? withWebApp(vodkit, webDir) : vodkit;
    server = await host.serve(app, {
      port: config.port,
      host: config.host,
      logger: consoleLogger,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    });
  } catch (error) {
    await vodkit.close();
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    return fail(`--port: cannot listen on ${config.host}:${config.port}: ${reason}`, 1);
  }
  stopOnSignals(server, consoleLogger);
  consoleLogger.info(`${host.bin} listening on ${server.url}`, {
    services: config.services,
    store: vodkit.store.kind,
    ...(store.kind === 'sqlite' ? { database: store.path } : {}),
    ...(webDir ? { web: webDir } : {}),
    ...(config.corsOrigins ? { corsOrigins: config.corsOrigins } : {}),
    ...(config.streamBaseUrl ? { streamBaseUrl: config.streamBaseUrl } : {}),
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
