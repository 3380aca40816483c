import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { defaults, type Rate } from '../defaults.js';
import { isServiceName, type ServiceName, serviceNames } from '../services.js';

export interface VodkitConfig {
  port: number;
  host: string;
  services: ServiceName[];
  /** `mysql://…`, or undefined for the embedded store. */
  databaseUrl: string | undefined;
  dataDir: string;
  streamTokens: number;
  maxUploadBytes: number;
  /** Undefined: a random one is made at start. */
  schedulerToken: string | undefined;
  web: boolean;
  streamTokensPerClient: number;
  streamIdleTimeoutMs: number;
  databaseTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** Peers whose X-Forwarded-For names the client. */
  trustedProxies: string[];
  sessionsPerUser: number;
  /** `null`: no limit. */
  passwordFailuresPerAccount: Rate | null;
  passwordFailuresPerClient: Rate | null;
  commentsPerUser: Rate | null;
}

/** A configuration mistake, said in one line that names the flag. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface Flag {
  env: string;
  default?: string;
  boolean?: boolean;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A default rate as a flag writes it: `10/15m`. */
function rateText({ count, windowMs }: Rate) {
  const unit = windowMs % 3_600_000 === 0 ? 'h' : windowMs % 60_000 === 0 ? 'm' : 's';
  return `${count}/${windowMs / (DURATION_UNITS[unit] as number)}${unit}`;
}

/** The flags of the CLI, each with its environment variable. */
export const flags = {
  port: { env: 'PORT', default: '8000' },
  host: { env: 'HOST', default: '127.0.0.1' },
  services: { env: 'VODKIT_SERVICES', default: serviceNames.join(',') },
  'database-url': { env: 'VODKIT_DATABASE_URL' },
  'data-dir': { env: 'VODKIT_DATA_DIR', default: './data' },
  'stream-tokens': { env: 'VODKIT_STREAM_TOKENS', default: '64' },
  'max-upload-bytes': { env: 'VODKIT_MAX_UPLOAD_BYTES', default: '2GiB' },
  'scheduler-token': { env: 'VODKIT_SCHEDULER_TOKEN' },
  web: { env: 'VODKIT_WEB', boolean: true },
  'stream-tokens-per-client': {
    env: 'VODKIT_STREAM_TOKENS_PER_CLIENT',
    default: String(defaults.streamTokensPerClient),
  },
  'stream-idle-timeout': { env: 'VODKIT_STREAM_IDLE_TIMEOUT', default: `${defaults.streamIdleTimeoutMs / 1000}s` },
  'database-timeout': { env: 'VODKIT_DATABASE_TIMEOUT', default: `${defaults.databaseTimeoutMs / 1000}s` },
  'shutdown-timeout': { env: 'VODKIT_SHUTDOWN_TIMEOUT', default: `${defaults.shutdownTimeoutMs / 1000}s` },
  'trusted-proxies': { env: 'VODKIT_TRUSTED_PROXIES', default: '' },
  'sessions-per-user': { env: 'VODKIT_SESSIONS_PER_USER', default: String(defaults.sessionsPerUser) },
  'password-failures-per-account': {
    env: 'VODKIT_PASSWORD_FAILURES_PER_ACCOUNT',
    default: rateText(defaults.passwordFailuresPerAccount),
  },
  'password-failures-per-client': {
    env: 'VODKIT_PASSWORD_FAILURES_PER_CLIENT',
    default: rateText(defaults.passwordFailuresPerClient),
  },
  'comments-per-user': { env: 'VODKIT_COMMENTS_PER_USER', default: rateText(defaults.commentsPerUser) },
} as const satisfies Record<string, Flag>;

type FlagName = keyof typeof flags;

const UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

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
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--database-url must be a URL such as mysql://user:pass@host:3306/db (got "${value}")`);
  }
  if (url.protocol !== 'mysql:')
    throw new ConfigError(`--database-url must start with mysql:// (got "${url.protocol}//")`);
  if (url.pathname.length <= 1)
    throw new ConfigError('--database-url must name a database, as in mysql://host:3306/vodkit');
  return value;
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
  // The embedded store lives in one process: without the API there, nothing can ever reach it.
  if (!database && !chosen.includes('api')) {
    throw new ConfigError(
      '--services without api needs --database-url (the embedded store is not shared between processes)',
    );
  }
  return {
    port: integer('port', text('port') ?? '', 0, 65535),
    host: text('host') || '127.0.0.1',
    services: chosen,
    databaseUrl: database,
    dataDir: text('data-dir') || './data',
    streamTokens: integer('stream-tokens', text('stream-tokens') ?? '', 1, 1_000_000),
    maxUploadBytes: bytes('max-upload-bytes', text('max-upload-bytes') ?? ''),
    schedulerToken,
    web,
    streamTokensPerClient: integer('stream-tokens-per-client', text('stream-tokens-per-client') ?? '', 1, 1_000_000),
    streamIdleTimeoutMs: duration('stream-idle-timeout', text('stream-idle-timeout') ?? '', 100, 3_600_000),
    databaseTimeoutMs: duration('database-timeout', text('database-timeout') ?? '', 100, 600_000),
    shutdownTimeoutMs: duration('shutdown-timeout', text('shutdown-timeout') ?? '', 0, 3_600_000),
    trustedProxies: addresses('trusted-proxies', text('trusted-proxies') ?? ''),
    sessionsPerUser: integer('sessions-per-user', text('sessions-per-user') ?? '', 1, 10_000),
    passwordFailuresPerAccount: rate('password-failures-per-account', text('password-failures-per-account') ?? ''),
    passwordFailuresPerClient: rate('password-failures-per-client', text('password-failures-per-client') ?? ''),
    commentsPerUser: rate('comments-per-user', text('comments-per-user') ?? ''),
  };
}
