import { parseArgs } from 'node:util';
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
  };
}
