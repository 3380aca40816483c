import { serviceNames } from './services.js';

/** At most `count` events per fixed window of `windowMs`. */
export interface Rate {
  count: number;
  windowMs: number;
}

const MINUTE_MS = 60_000;

/**
 * Every default of vodkit's settings, written once: the CLI's flags and its `--help`,
 * `createVodkit`, `openVodkit` and the hosts' `serve` all read them from here.
 */
export const defaults = {
  port: 8000,
  host: '127.0.0.1',
  services: serviceNames,
  dataDir: './data',
  streamTokens: 64,
  /** A quarter of the default tokens: one address (or one NAT) cannot take the whole instance. */
  streamTokensPerClient: 16,
  maxUploadBytes: 2 * 1024 ** 3,
  streamIdleTimeoutMs: MINUTE_MS,
  /** A day: an upload cut at night resumes in the morning; its bytes do not stay on disk for ever. */
  resumableExpiryMs: 24 * 60 * MINUTE_MS,
  sessionTtlMs: 24 * 60 * MINUTE_MS,
  sessionsPerUser: 20,
  passwordFailuresPerAccount: { count: 10, windowMs: 15 * MINUTE_MS } as Rate,
  passwordFailuresPerClient: { count: 50, windowMs: 15 * MINUTE_MS } as Rate,
  commentsPerUser: { count: 30, windowMs: MINUTE_MS } as Rate,
  databaseTimeoutMs: 5_000,
  shutdownTimeoutMs: 10_000,
} as const;
