import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaults } from '../defaults.js';
import { serviceNames } from '../services.js';
import { ConfigError, helpText, parseConfig } from './config.js';
import { databaseTarget } from './database-url.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The ConfigError a configuration gives; fails the test when it parses. */
const configError = (argv: string[], env: Record<string, string> = {}): ConfigError => {
  try {
    parseConfig(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`${JSON.stringify(argv)} ${JSON.stringify(env)} was accepted`);
};

/** Bad values must stop the start with one line that names the flag. */
const expectRejected = (flag: string, argv: string[], env: Record<string, string> = {}) => {
  const error = configError(argv, env);
  expect(error.message).toContain(flag);
  expect(error.message).not.toContain('\n');
};

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    expect(parseConfig([], {})).toEqual({
      port: 8000,
      host: '127.0.0.1',
      services: [...serviceNames],
      databaseUrl: undefined,
      dataDir: './data',
      streamTokens: 64,
      maxUploadBytes: 2 * GiB,
      schedulerToken: undefined,
      web: false,
      streamTokensPerClient: 16,
      streamIdleTimeoutMs: 60_000,
      resumableExpiryMs: 24 * 3_600_000,
      databaseTimeoutMs: 5_000,
      shutdownTimeoutMs: 10_000,
      trustedProxies: [],
      sessionsPerUser: 20,
      passwordFailuresPerAccount: { count: 10, windowMs: 15 * 60_000 },
      passwordFailuresPerClient: { count: 50, windowMs: 15 * 60_000 },
      commentsPerUser: { count: 30, windowMs: 60_000 },
      corsOrigins: undefined,
      streamBaseUrl: undefined,
    });
  });

  it('takes its defaults from `defaults`', () => {
    const config = parseConfig([], {});
    expect(config).toMatchObject({
      port: defaults.port,
      host: defaults.host,
      services: [...defaults.services],
      dataDir: defaults.dataDir,
      streamTokens: defaults.streamTokens,
      maxUploadBytes: defaults.maxUploadBytes,
      streamTokensPerClient: defaults.streamTokensPerClient,
      streamIdleTimeoutMs: defaults.streamIdleTimeoutMs,
      resumableExpiryMs: defaults.resumableExpiryMs,
      databaseTimeoutMs: defaults.databaseTimeoutMs,
      shutdownTimeoutMs: defaults.shutdownTimeoutMs,
      sessionsPerUser: defaults.sessionsPerUser,
      passwordFailuresPerAccount: defaults.passwordFailuresPerAccount,
      passwordFailuresPerClient: defaults.passwordFailuresPerClient,
      commentsPerUser: defaults.commentsPerUser,
    });
    // An empty --host or --data-dir is the default too.
    expect(parseConfig(['--host=', '--data-dir='], {})).toMatchObject({
      host: defaults.host,
      dataDir: defaults.dataDir,
    });
  });

  it('reads every setting from the environment', () => {
    const config = parseConfig([], {
      PORT: '9001',
      HOST: '0.0.0.0',
      VODKIT_SERVICES: 'api',
      VODKIT_DATABASE_URL: 'mysql://vod:pw@db.internal:3307/vodkit',
      VODKIT_DATA_DIR: '/var/lib/vodkit',
      VODKIT_STREAM_TOKENS: '8',
      VODKIT_MAX_UPLOAD_BYTES: '500MiB',
      VODKIT_SCHEDULER_TOKEN: 'a-scheduler-token-of-length-32!!',
      VODKIT_WEB: 'false',
      VODKIT_STREAM_TOKENS_PER_CLIENT: '2',
      VODKIT_STREAM_IDLE_TIMEOUT: '500ms',
      VODKIT_DATABASE_TIMEOUT: '2s',
      VODKIT_RESUMABLE_EXPIRY: '2h',
      VODKIT_SHUTDOWN_TIMEOUT: '1m',
      VODKIT_TRUSTED_PROXIES: '10.0.0.1, ::1',
      VODKIT_SESSIONS_PER_USER: '5',
      VODKIT_PASSWORD_FAILURES_PER_ACCOUNT: '3/1h',
      VODKIT_PASSWORD_FAILURES_PER_CLIENT: 'off',
      VODKIT_COMMENTS_PER_USER: '100/30s',
      VODKIT_CORS_ORIGINS: 'https://app.example, http://localhost:5173',
      VODKIT_STREAM_BASE_URL: 'https://stream.example/',
    });
    expect(config).toEqual({
      port: 9001,
      host: '0.0.0.0',
      services: ['api'],
      databaseUrl: 'mysql://vod:pw@db.internal:3307/vodkit',
      dataDir: '/var/lib/vodkit',
      streamTokens: 8,
      maxUploadBytes: 500 * MiB,
      schedulerToken: 'a-scheduler-token-of-length-32!!',
      web: false,
      streamTokensPerClient: 2,
      streamIdleTimeoutMs: 500,
      resumableExpiryMs: 2 * 3_600_000,
      databaseTimeoutMs: 2_000,
      shutdownTimeoutMs: 60_000,
      trustedProxies: ['10.0.0.1', '::1'],
      sessionsPerUser: 5,
      passwordFailuresPerAccount: { count: 3, windowMs: 3_600_000 },
      passwordFailuresPerClient: null,
      commentsPerUser: { count: 100, windowMs: 30_000 },
      corsOrigins: ['https://app.example', 'http://localhost:5173'],
      streamBaseUrl: 'https://stream.example',
    });
  });

  it.each([
    ['--resumable-expiry', ['--resumable-expiry', '500ms']],
    ['--stream-idle-timeout', ['--stream-idle-timeout', 'soon']],
    ['--stream-idle-timeout', ['--stream-idle-timeout', '10ms']],
    ['--database-timeout', ['--database-timeout', '-1s']],
    ['--shutdown-timeout', ['--shutdown-timeout', '2d']],
    ['--trusted-proxies', ['--trusted-proxies', '10.0.0.1,proxy.local']],
    ['--sessions-per-user', ['--sessions-per-user', '0']],
    ['--stream-tokens-per-client', ['--stream-tokens-per-client', 'many']],
    ['--password-failures-per-account', ['--password-failures-per-account', '10']],
    ['--password-failures-per-client', ['--password-failures-per-client', '10/0s']],
    ['--comments-per-user', ['--comments-per-user', 'x/1m']],
  ])('refuses a bad %s in one line', (flag, argv) => {
    expectRejected(flag, argv);
  });

  it('lets flags beat the environment, which beats the defaults', () => {
    const env = {
      PORT: '9001',
      HOST: '0.0.0.0',
      VODKIT_DATA_DIR: '/from/env',
      VODKIT_STREAM_TOKENS: '8',
      VODKIT_MAX_UPLOAD_BYTES: '1GiB',
      VODKIT_DATABASE_URL: 'mysql://env-host/envdb',
      VODKIT_SCHEDULER_TOKEN: 'token-from-the-environment',
    };
    const config = parseConfig(
      [
        '--port',
        '9002',
        '--host=::1',
        '--data-dir',
        '/from/flag',
        '--database-url',
        'mysql://flag-host/flagdb',
        '--scheduler-token',
        'token-from-the-command-line',
      ],
      env,
    );
    expect(config.port).toBe(9002);
    expect(config.host).toBe('::1');
    expect(config.dataDir).toBe('/from/flag');
    expect(config.databaseUrl).toBe('mysql://flag-host/flagdb');
    expect(config.schedulerToken).toBe('token-from-the-command-line');
    // Not given as flags: from the environment, not the defaults.
    expect(config.streamTokens).toBe(8);
    expect(config.maxUploadBytes).toBe(GiB);
    // Neither flag nor environment: the default.
    expect(config.services).toEqual([...serviceNames]);
  });

  it('treats an empty environment variable as unset', () => {
    expect(parseConfig([], { PORT: '', VODKIT_STREAM_TOKENS: '', VODKIT_SCHEDULER_TOKEN: '' })).toMatchObject({
      port: 8000,
      streamTokens: 64,
      schedulerToken: undefined,
    });
  });

  it('accepts port 0 (any free port) and 65535', () => {
    expect(parseConfig(['--port', '0'], {}).port).toBe(0);
    expect(parseConfig(['--port=65535'], {}).port).toBe(65535);
  });

  it.each([['65536'], ['70000'], ['-1'], ['http'], ['80.5'], ['1e3'], [''], [' 80'], ['0x50']])(
    'rejects --port %j',
    (value) => {
      expectRejected('--port', [`--port=${value}`]);
    },
  );

  it('names --port for a bad PORT in the environment', () => {
    expectRejected('--port', [], { PORT: 'x' });
  });

  it('rejects unknown and empty service lists', () => {
    expectRejected('--services', ['--services', 'bogus']);
    expectRejected('--services', ['--services', 'api,bogus']);
    expect(configError(['--services', 'api,bogus']).message).toContain('bogus');
    expectRejected('--services', ['--services', '']);
    expectRejected('--services', ['--services', ' , ,']);
    expectRejected('--services', [], { VODKIT_SERVICES: 'API' });
  });

  it('trims and de-duplicates services', () => {
    expect(parseConfig(['--services', ' api , api '], {}).services).toEqual(['api']);
  });

  it.each([
    ['not a url'],
    ['postgres://user@localhost:5432/vodkit'],
    ['http://localhost/vodkit'],
    ['mysql://localhost:3306'],
    ['mysql://localhost:3306/'],
    ['localhost:3306/vodkit'],
  ])('rejects --database-url %j', (value) => {
    expectRejected('--database-url', ['--database-url', value]);
  });

  it('keeps a good database URL as given', () => {
    const url = 'mysql://user:p%40ss@127.0.0.1:3306/vodkit';
    expect(parseConfig(['--database-url', url], {}).databaseUrl).toBe(url);
  });

  it.each([
    ['sqlite:vodkit.db'],
    ['sqlite:./data/other.db'],
    ['sqlite:/var/lib/vodkit/vodkit.db'],
    ['sqlite:///var/lib/vodkit/vodkit.db'],
    ['SQLite:data/x.db'],
    ['memory:'],
  ])('accepts --database-url %j as given', (url) => {
    expect(parseConfig(['--database-url', url], {}).databaseUrl).toBe(url);
    expect(parseConfig([], { VODKIT_DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it.each([
    ['sqlite:'],
    ['sqlite://host/vodkit.db'],
    ['memory:here'],
    ['memory'],
    ['file:vodkit.db'],
    ['mysql:vodkit'],
  ])('rejects --database-url %j in one line', (value) => {
    expectRejected('--database-url', ['--database-url', value]);
  });

  it('runs services without api on a shared store only: SQLite (the default) or MySQL, not memory:', () => {
    expect(parseConfig(['--services', 'scheduler'], {}).databaseUrl).toBeUndefined();
    expect(parseConfig(['--services', 'stream', '--database-url', 'sqlite:shared.db'], {}).services).toEqual([
      'stream',
    ]);
    expect(parseConfig(['--services', 'stream,scheduler', '--database-url', 'mysql://h/db'], {}).services).toEqual([
      'stream',
      'scheduler',
    ]);
    expectRejected('--services', ['--services', 'scheduler', '--database-url', 'memory:']);
    expect(configError(['--services', 'stream'], { VODKIT_DATABASE_URL: 'memory:' }).message).toContain('memory:');
    expect(parseConfig(['--services', 'api', '--database-url', 'memory:'], {}).services).toEqual(['api']);
  });

  it('checks the number of stream tokens', () => {
    expect(parseConfig(['--stream-tokens', '1'], {}).streamTokens).toBe(1);
    for (const value of ['0', '-3', 'many', '2.5', '1000001']) {
      expectRejected('--stream-tokens', [`--stream-tokens=${value}`]);
    }
  });

  it.each([
    ['1048576', 1048576],
    ['500MiB', 500 * MiB],
    ['500mib', 500 * MiB],
    ['2GiB', 2 * GiB],
    ['64KiB', 64 * 1024],
    ['1TiB', 1024 * GiB],
    ['10b', 10],
    ['1', 1],
    [' 3 MiB ', 3 * MiB],
  ])('reads --max-upload-bytes %j as %i bytes', (value, expected) => {
    expect(parseConfig(['--max-upload-bytes', value], {}).maxUploadBytes).toBe(expected);
  });

  it.each([
    ['0'],
    ['0GiB'],
    ['-5'],
    ['2GB'],
    ['500MB'],
    ['1.5GiB'],
    ['lots'],
    ['MiB'],
    ['2 GiB extra'],
    ['9007199254740993'],
    ['8388608TiB'],
  ])('rejects --max-upload-bytes %j', (value) => {
    expectRejected('--max-upload-bytes', [`--max-upload-bytes=${value}`]);
  });

  it('requires a scheduler token of at least 16 characters', () => {
    expect(parseConfig(['--scheduler-token', 'x'.repeat(16)], {}).schedulerToken).toBe('x'.repeat(16));
    expectRejected('--scheduler-token', ['--scheduler-token', 'x'.repeat(15)]);
    expectRejected('--scheduler-token', [], { VODKIT_SCHEDULER_TOKEN: 'short' });
  });

  it('reads --web as a switch and rejects a bad VODKIT_WEB', () => {
    expectRejected('--web', [], { VODKIT_WEB: 'maybe' });
    expect(parseConfig(['--web'], {}).web).toBe(true);
    expect(parseConfig([], { VODKIT_WEB: 'on' }).web).toBe(true);
    expect(parseConfig([], { VODKIT_WEB: 'off' }).web).toBe(false);
  });

  it('reads --cors-origins as exact origins, written as browsers send them, or *', () => {
    expect(parseConfig(['--cors-origins', 'https://App.example/,http://127.0.0.1:5173'], {}).corsOrigins).toEqual([
      'https://app.example',
      'http://127.0.0.1:5173',
    ]);
    expect(parseConfig(['--cors-origins', 'https://a.example,https://a.example:443'], {}).corsOrigins).toEqual([
      'https://a.example',
    ]);
    expect(parseConfig([], { VODKIT_CORS_ORIGINS: ' * ' }).corsOrigins).toBe('*');
    expect(parseConfig(['--cors-origins='], {}).corsOrigins).toBeUndefined();
    expect(parseConfig([], { VODKIT_CORS_ORIGINS: '' }).corsOrigins).toBeUndefined();
  });

  it.each([
    ['app.example'],
    ['https://app.example/path'],
    ['https://app.example?x'],
    ['https://app.example,ftp://files.example'],
    ['*,https://app.example'],
    ['https://user:pw@app.example'],
  ])('refuses --cors-origins %j in one line', (value) => {
    expectRejected('--cors-origins', ['--cors-origins', value]);
    expectRejected('--cors-origins', [], { VODKIT_CORS_ORIGINS: value });
  });

  it.each([
    ['https://stream.example', 'https://stream.example'],
    ['https://stream.example/', 'https://stream.example'],
    ['http://127.0.0.1:8001//', 'http://127.0.0.1:8001'],
    ['https://cdn.example/vod/', 'https://cdn.example/vod'],
    ['HTTPS://Stream.Example:443', 'https://stream.example'],
  ])('reads --stream-base-url %j as %j', (value, expected) => {
    expect(parseConfig(['--stream-base-url', value], {}).streamBaseUrl).toBe(expected);
  });

  it.each([
    ['/stream'],
    ['stream.example'],
    ['ftp://stream.example'],
    ['https://stream.example/?a=1'],
    ['https://x#y'],
  ])('refuses --stream-base-url %j in one line', (value) => {
    expectRejected('--stream-base-url', ['--stream-base-url', value]);
  });

  it('rejects unknown flags, positionals and flags without a value, naming them', () => {
    expectRejected('--no-such-flag', ['--no-such-flag']);
    expectRejected('--prot', ['--prot', '8000']);
    expectRejected('stray', ['stray']);
    expectRejected('--port', ['--port']);
  });
});

// That --help lists every flag, and the README too, is checked in test/docs/configuration.test.ts.
describe('helpText', () => {
  const help = helpText('vodkit');

  it('shows the defaults of `defaults`', () => {
    expect(help).toMatch(/--port <n> +PORT +default 8000/);
    expect(help).toMatch(/--max-upload-bytes <size> +VODKIT_MAX_UPLOAD_BYTES +default 2GiB/);
    expect(help).toMatch(/--stream-idle-timeout <duration> +VODKIT_STREAM_IDLE_TIMEOUT +default 60s/);
    expect(help).toMatch(/--cors-origins <origins> +VODKIT_CORS_ORIGINS +default: none \(CORS off\)/);
    expect(help.startsWith('Usage: vodkit [options]')).toBe(true);
  });
});

describe('databaseTarget', () => {
  it('is SQLite at <data-dir>/vodkit.db without a URL, made absolute against the working directory', () => {
    expect(databaseTarget(undefined, './data')).toEqual({ kind: 'sqlite', path: resolve('data', 'vodkit.db') });
    expect(databaseTarget('', '/srv/vodkit')).toEqual({ kind: 'sqlite', path: '/srv/vodkit/vodkit.db' });
  });

  it('reads a SQLite path relative to the working directory, or absolute in either form', () => {
    expect(databaseTarget('sqlite:other.db', './data')).toEqual({ kind: 'sqlite', path: resolve('other.db') });
    expect(databaseTarget('sqlite:/var/lib/v.db', './data')).toEqual({ kind: 'sqlite', path: '/var/lib/v.db' });
    expect(databaseTarget('sqlite:///var/lib/v.db', './data')).toEqual({ kind: 'sqlite', path: '/var/lib/v.db' });
  });

  it('names memory: and MySQL as they are', () => {
    expect(databaseTarget('memory:', './data')).toEqual({ kind: 'memory' });
    const url = 'mysql://u:p@db:3306/vodkit';
    expect(databaseTarget(url, './data')).toEqual({ kind: 'mysql', url });
  });
});
