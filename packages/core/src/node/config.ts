import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { defaults, type Rate } from '../defaults.js';
import { parseOrigin } from '../http/cors.js';
import { isServiceName, type ServiceName, serviceNames } from '../services.js';
import { parseDatabaseUrl } from './database-url.js';

export interface VodkitConfig {
  port: number;
  host: string;
  services: ServiceName[];
  /** `sqlite:<path>`, `memory:` or `mysql://…` as given; undefined: SQLite at `<dataDir>/vodkit.db`. */
  databaseUrl: string | undefined;
  dataDir: string;
  streamTokens: number;
  maxUploadBytes: number;
  /** Undefined: a random one is made at start. */
  schedulerToken: string | undefined;
  web: boolean;
  streamTokensPerClient: number;
  streamIdleTimeoutMs: number;
  resumableExpiryMs: number;
  databaseTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** Peers whose X-Forwarded-For names the client. */
  trustedProxies: string[];
  sessionsPerUser: number;
  /** `null`: no limit. */
  passwordFailuresPerAccount: Rate | null;
  passwordFailuresPerClient: Rate | null;
  commentsPerUser: Rate | null;
  /** Origins whose pages may call vodkit (as browsers write them), `*` for any; undefined: CORS off. */
  corsOrigins: string[] | '*' | undefined;
  /** Prefix of every `stream_url`, without a trailing slash; undefined: a same-origin path. */
  streamBaseUrl: string | undefined;
}

/** A configuration mistake, said in one line that names the flag. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Flag {
  /** The environment variable read when the flag is not given. */
  env: string;
  /** What the value looks like, for `--help`: `<n>`, `<url>`; none for a switch. */
  value?: string;
  /** The value taken when neither the flag nor its variable is set, as the command line writes it. */
  default?: string;
  /** What `--help` says of a flag without a default value: `random at start`. */
  unset?: string;
  boolean?: boolean;
  /** One line for `--help`. */
  description: string;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A default rate as a flag writes it: `10/15m`. */
function rateText({ count, windowMs }: Rate) {
  const unit = windowMs % 3_600_000 === 0 ? 'h' : windowMs % 60_000 === 0 ? 'm' : 's';
  return `${count}/${windowMs / (DURATION_UNITS[unit] as number)}${unit}`;
}

const UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** A default size as a flag writes it, in the largest unit that divides it: `2GiB`. */
function sizeText(bytes: number) {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB']) {
    const size = UNITS[unit.toLowerCase()] as number;
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** A default duration as a flag writes it: `60s`. */
const secondsText = (ms: number) => `${ms / 1000}s`;
/** In whole hours when it is some. */
const hoursText = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : secondsText(ms));

/**
 * The flags of the CLI, each with its environment variable, its default (from `defaults`)
 * and the line `--help` shows; `--help` is made from this table alone.
 */
export const flags = {
  port: {
    env: 'PORT',
    value: '<n>',
    default: String(defaults.port),
    description: 'port to listen on, 0 to 65535; 0 picks a free one',
  },
  host: {
    env: 'HOST',
    value: '<address>',
    default: defaults.host,
    description: 'address to listen on; 0.0.0.0 for every interface',
  },
  services: {
    env: 'VODKIT_SERVICES',
    value: '<list>',
    default: defaults.services.join(','),
    description: `route groups to serve, comma-separated: ${serviceNames.join(', ')}; /healthz is always served`,
  },
  'database-url': {
    env: 'VODKIT_DATABASE_URL',
    value: '<url>',
    unset: 'SQLite at <data-dir>/vodkit.db',
    description:
      'sqlite:<path> (another SQLite file), memory: (this process only, not kept) or mysql://user:pass@host:3306/db',
  },
  'data-dir': {
    env: 'VODKIT_DATA_DIR',
    value: '<path>',
    default: defaults.dataDir,
    description: 'the default SQLite store (vodkit.db), video files and uploads in progress',
  },
  'stream-tokens': {
    env: 'VODKIT_STREAM_TOKENS',
    value: '<n>',
    default: String(defaults.streamTokens),
    description: 'streams and uploads served at once; the next one is 429',
  },
  'max-upload-bytes': {
    env: 'VODKIT_MAX_UPLOAD_BYTES',
    value: '<size>',
    default: sizeText(defaults.maxUploadBytes),
    description: 'largest upload (1048576, 500MiB, 2GiB); over it is 413',
  },
  'scheduler-token': {
    env: 'VODKIT_SCHEDULER_TOKEN',
    value: '<token>',
    unset: 'random at start, printed once',
    description: 'Bearer token of DELETE /scheduler/videos/:vid, 16 characters or more',
  },
  web: {
    env: 'VODKIT_WEB',
    boolean: true,
    unset: 'off',
    description: 'serve the example web front end (examples/web/dist) at /',
  },
  'stream-tokens-per-client': {
    env: 'VODKIT_STREAM_TOKENS_PER_CLIENT',
    value: '<n>',
    default: String(defaults.streamTokensPerClient),
    description: 'stream tokens one client address may hold at once',
  },
  'stream-idle-timeout': {
    env: 'VODKIT_STREAM_IDLE_TIMEOUT',
    value: '<duration>',
    default: secondsText(defaults.streamIdleTimeoutMs),
    description: 'a stream or upload that moves no byte for this long ends and gives its token back',
  },
  'resumable-expiry': {
    env: 'VODKIT_RESUMABLE_EXPIRY',
    value: '<duration>',
    default: hoursText(defaults.resumableExpiryMs),
    description: 'an unfinished resumable (tus) upload expires this long after its last bytes; its bytes are removed',
  },
  'database-timeout': {
    env: 'VODKIT_DATABASE_TIMEOUT',
    value: '<duration>',
    default: secondsText(defaults.databaseTimeoutMs),
    description:
      "bounds connecting to MySQL, waiting for a connection and each statement, or a wait for SQLite's lock; then 503",
  },
  'shutdown-timeout': {
    env: 'VODKIT_SHUTDOWN_TIMEOUT',
    value: '<duration>',
    default: secondsText(defaults.shutdownTimeoutMs),
    description: 'how long a stop (SIGTERM, SIGINT) lets requests in flight finish',
  },
  'trusted-proxies': {
    env: 'VODKIT_TRUSTED_PROXIES',
    value: '<addresses>',
    unset: 'none',
    description: 'IP addresses of proxies whose X-Forwarded-For names the client, comma-separated',
  },
  'sessions-per-user': {
    env: 'VODKIT_SESSIONS_PER_USER',
    value: '<n>',
    default: String(defaults.sessionsPerUser),
    description: 'live sessions per user; a login beyond it revokes the ones expiring soonest',
  },
  'password-failures-per-account': {
    env: 'VODKIT_PASSWORD_FAILURES_PER_ACCOUNT',
    value: '<rate>',
    default: rateText(defaults.passwordFailuresPerAccount),
    description: 'wrong passwords per user name, then 429 until the window ends; off lifts it',
  },
  'password-failures-per-client': {
    env: 'VODKIT_PASSWORD_FAILURES_PER_CLIENT',
    value: '<rate>',
    default: rateText(defaults.passwordFailuresPerClient),
    description: 'wrong passwords per client address, then 429 until the window ends; off lifts it',
  },
  'comments-per-user': {
    env: 'VODKIT_COMMENTS_PER_USER',
    value: '<rate>',
    default: rateText(defaults.commentsPerUser),
    description: 'comments one user may post per window, then 429; off lifts it',
  },
  'cors-origins': {
    env: 'VODKIT_CORS_ORIGINS',
    value: '<origins>',
    unset: 'none (CORS off)',
    description: 'origins whose pages may call vodkit: exact origins (https://app.example), comma-separated, or *',
  },
  'stream-base-url': {
    env: 'VODKIT_STREAM_BASE_URL',
    value: '<url>',
    unset: 'none (same-origin paths)',
    description: 'absolute http(s) URL of the stream service that makes every stream_url absolute',
  },
} as const satisfies Record<string, Flag>;

/**
 * `--help`, made from `flags`: each flag with its value, its environment variable and its
 * default, then its description on a line of its own.
 */
export function helpText(bin: string): string {
  const rows = Object.entries(flags).map(([name, flag]: [string, Flag]) => ({
    flag: `--${name}${flag.value ? ` ${flag.value}` : ''}`,
    env: flag.env,
    default: flag.default !== undefined ? `default ${flag.default}` : `default: ${flag.unset ?? 'none'}`,
    description: flag.description,
  }));
  const flagWidth = Math.max(...rows.map((row) => row.flag.length));
  const envWidth = Math.max(...rows.map((row) => row.env.length));
  const lines = rows.flatMap((row) => [
    `  ${row.flag.padEnd(flagWidth)}  ${row.env.padEnd(envWidth)}  ${row.default}`,
    `      ${row.description}`,
  ]);
  return [
    `Usage: ${bin} [options]`,
    '',
    'Each option also reads its environment variable; a flag wins over the variable, the variable',
    'over the default. Durations: 500ms, 5s, 2m, 1h. Rates: <count>/<duration> such as 10/15m, or off.',
    '',
    ...lines,
    `  ${'--help'.padEnd(flagWidth)}  ${''.padEnd(envWidth)}  this text`,
    '',
  ].join('\n');
}

type FlagName = keyof typeof flags;

const integer = (flag: FlagName, value: string, min: number, max: number) => {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`--${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return Number(value);
};

const bytes = (flag: FlagName, value: string) => {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  const size = Number(match?.[1]) * (unit ?? Number.NaN);
  // Past 2^53 a size is no longer an exact number of bytes, so limits compared to it would be wrong.
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new ConfigError(`--${flag} must be a size such as 1048576, 500MiB or 2GiB (got "${value}")`);
  }
  return size;
};

/** `500ms`, `5s`, `15m`, `1h`; a bare number is seconds. */
const durationMs = (value: string) => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(value.trim());
  const ms = Number(match?.[1]) * (DURATION_UNITS[match?.[2]?.toLowerCase() ?? 's'] ?? Number.NaN);
  return Number.isFinite(ms) ? Math.round(ms) : Number.NaN;
};

const duration = (flag: FlagName, value: string, minMs: number, maxMs: number) => {
  const ms = durationMs(value);
  if (!(ms >= minMs && ms <= maxMs)) {
    throw new ConfigError(
      `--${flag} must be a duration such as 500ms, 5s or 2m, from ${minMs}ms to ${maxMs / 1000}s (got "${value}")`,
    );
  }
  return ms;
};

/** `<count>/<duration>` such as `10/15m`; `off` (or `0`) lifts the limit. */
const rate = (flag: FlagName, value: string): Rate | null => {
  if (/^(off|0)$/i.test(value.trim())) return null;
  const [count = '', window = ''] = value.split('/');
  const windowMs = durationMs(window);
  if (!/^\s*\d+\s*$/.test(count) || Number(count) < 1 || !(windowMs >= 1000 && windowMs <= 86_400_000)) {
    throw new ConfigError(`--${flag} must be a rate such as 10/15m (count per window), or off (got "${value}")`);
  }
  return { count: Number(count), windowMs };
};

/** Comma-separated IP addresses, each checked. */
const addresses = (flag: FlagName, value: string) => {
  const list = value
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean);
  for (const address of list) {
    if (isIP(address) === 0) throw new ConfigError(`--${flag} must list IP addresses (got "${address}")`);
  }
  return list;
};

const bool = (flag: FlagName, value: string | boolean) => {
  if (typeof value === 'boolean') return value;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  throw new ConfigError(`--${flag} must be true or false (got "${value}")`);
};

const services = (value: string): ServiceName[] => {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new ConfigError(`--services needs at least one of ${serviceNames.join(', ')}`);
  for (const name of names) {
    if (!isServiceName(name)) {
      throw new ConfigError(`--services: unknown service "${name}" (available: ${serviceNames.join(', ')})`);
    }
  }
  return [...new Set(names as ServiceName[])];
};

const databaseUrl = (value: string | undefined) => {
  if (value === undefined || value === '') return undefined;
  try {
    parseDatabaseUrl(value);
  } catch (error) {
    throw new ConfigError(`--database-url ${(error as Error).message}`);
  }
  return value;
};

/** Comma-separated origins as browsers write them, or `*` alone; empty: CORS off. */
const corsOrigins = (value: string): string[] | '*' | undefined => {
  const list = value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (list.length === 0) return undefined;
  if (list.includes('*')) {
    if (list.length > 1) throw new ConfigError('--cors-origins: * allows every origin, so it stands alone');
    return '*';
  }
  return [
    ...new Set(
      list.map((text) => {
        const origin = parseOrigin(text);
        if (origin === undefined) {
          throw new ConfigError(
            `--cors-origins must list origins such as https://app.example (scheme://host[:port], no path), or be * (got "${text}")`,
          );
        }
        return origin;
      }),
    ),
  ];
};

/** An absolute http(s) URL with no query or fragment, without its trailing slashes. */
const streamBaseUrl = (value: string | undefined) => {
  if (value === undefined || value === '') return undefined;
  const refuse = () =>
    new ConfigError(
      `--stream-base-url must be an absolute http(s) URL such as https://stream.example, with no query (got "${value}")`,
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse();
  }
  if (!/^https?:\/\/[^\s?#]+$/i.test(value) || url.username || url.password) throw refuse();
  return url.href.replace(/\/+$/, '');
};

/**
 * Reads the configuration from command-line flags, then the environment, then
 * the defaults. Throws ConfigError, whose message is meant to be printed as is.
 */
export function parseConfig(argv: string[], env: Record<string, string | undefined>): VodkitConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(
        Object.entries(flags).map(([name, flag]) => [name, { type: 'boolean' in flag ? 'boolean' : 'string' }]),
      ) as Record<FlagName, { type: 'string' | 'boolean' }>,
    }).values;
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0]);
  }
  const get = (name: FlagName): string | boolean | undefined => {
    const flag: Flag = flags[name];
    // An empty variable (`PORT=`) is how environments unset one: it means the default.
    return values[name] ?? (env[flag.env] || undefined) ?? flag.default;
  };
  const text = (name: FlagName) => {
    const value = get(name);
    return typeof value === 'string' ? value : undefined;
  };

  const web = bool('web', get('web') ?? false);
  const schedulerToken = text('scheduler-token');
  if (schedulerToken !== undefined && schedulerToken.length < 16) {
    throw new ConfigError('--scheduler-token must be at least 16 characters');
  }
  const chosen = services(text('services') ?? '');
  const database = databaseUrl(text('database-url'));
  // The memory store lives in one process: without the API there, nothing can ever reach it.
  if (database && parseDatabaseUrl(database).kind === 'memory' && !chosen.includes('api')) {
    throw new ConfigError(
      '--services without api needs a shared store: SQLite (the default, or --database-url sqlite:<path>) or MySQL, not memory:',
    );
  }
  return {
    port: integer('port', text('port') ?? '', 0, 65535),
    host: text('host') || defaults.host,
    services: chosen,
    databaseUrl: database,
    dataDir: text('data-dir') || defaults.dataDir,
    streamTokens: integer('stream-tokens', text('stream-tokens') ?? '', 1, 1_000_000),
    maxUploadBytes: bytes('max-upload-bytes', text('max-upload-bytes') ?? ''),
    schedulerToken,
    web,
    streamTokensPerClient: integer('stream-tokens-per-client', text('stream-tokens-per-client') ?? '', 1, 1_000_000),
    streamIdleTimeoutMs: duration('stream-idle-timeout', text('stream-idle-timeout') ?? '', 100, 3_600_000),
    resumableExpiryMs: duration('resumable-expiry', text('resumable-expiry') ?? '', 1_000, 30 * 86_400_000),
    databaseTimeoutMs: duration('database-timeout', text('database-timeout') ?? '', 100, 600_000),
    shutdownTimeoutMs: duration('shutdown-timeout', text('shutdown-timeout') ?? '', 0, 3_600_000),
    trustedProxies: addresses('trusted-proxies', text('trusted-proxies') ?? ''),
    sessionsPerUser: integer('sessions-per-user', text('sessions-per-user') ?? '', 1, 10_000),
    passwordFailuresPerAccount: rate('password-failures-per-account', text('password-failures-per-account') ?? ''),
    passwordFailuresPerClient: rate('password-failures-per-client', text('password-failures-per-client') ?? ''),
    commentsPerUser: rate('comments-per-user', text('comments-per-user') ?? ''),
    corsOrigins: corsOrigins(text('cors-origins') ?? ''),
    streamBaseUrl: streamBaseUrl(text('stream-base-url')),
  };
}
