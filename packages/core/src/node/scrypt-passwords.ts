import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { PasswordHasher } from '../auth/password-hasher.js';
import { VodkitError } from '../errors/vodkit-error.js';

/** The cost of `scryptPasswords`' hashes, and how many it computes at once. */
export interface ScryptParameters {
  /** CPU and memory cost, a power of two. Default 2^15. */
  N: number;
  r: number;
  p: number;
  /**
   * Hashes computed at once. scrypt runs on libuv's thread pool (4 threads), the same one file
   * reads use, and takes a core while it runs: unbounded, a burst of logins leaves video
   * streams waiting for both. Default: half the cores, and at most half the pool, at least one.
   */
  concurrency: number;
}

/** Hashes waiting for their turn beyond this are refused (503) rather than queued without end. */
const MAX_WAITING = 256;

/** Runs at most `limit` tasks at once, the others in arrival order. */
function limiter(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) {
      if (waiting.length >= MAX_WAITING) {
        throw new VodkitError('UNAVAILABLE', {
          message: 'Too many password checks at once; retry shortly.',
          headers: { 'retry-after': '1' },
        });
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else running += 1;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, so `running` stays counted.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const DEFAULTS: ScryptParameters = {
  N: 2 ** 15,
  r: 8,
  p: 1,
  concurrency: Math.max(
    1,
    Math.min(Math.floor(availableParallelism() / 2), Math.floor((Number(process.env.UV_THREADPOOL_SIZE) || 4) / 2)),
  ),
};

/** The most memory verifying one stored hash may ask scrypt for. */
const MAX_MEMORY_BYTES = 1024 ** 3;

const derive = (password: string, salt: Buffer, params: Omit<ScryptParameters, 'concurrency'>) =>
  new Promise<Buffer>((resolve, reject) => {
    const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });

const positiveInteger = (text: string | undefined, max: number) =>
  text !== undefined && /^[1-9]\d{0,9}$/.test(text) && Number(text) <= max ? Number(text) : undefined;

/** Base64 as this module writes it; anything Buffer would silently skip over is refused. */
const strictBase64 = (text: string | undefined) => {
  if (!text) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 && bytes.toString('base64') === text ? bytes : undefined;
};

/**
 * The parts of a stored hash, or undefined when it is not one this module could have made.
 * Checked before use: a corrupt row must make verify answer false, not make scrypt throw
 * or allocate without bound.
 */
const parseStored = (stored: string) => {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const N = positiveInteger(parts[1], 2 ** 30);
  const r = positiveInteger(parts[2], 1024);
  const p = positiveInteger(parts[3], 1024);
  const salt = strictBase64(parts[4]);
  const key = strictBase64(parts[5]);
  if (!N || !r || !p || !salt || !key || key.length !== KEY_BYTES) return undefined;
  // scrypt needs N to be a power of two above 1, and about 128·N·r bytes of memory.
  if (N < 2 || (N & (N - 1)) !== 0 || 128 * N * r > MAX_MEMORY_BYTES) return undefined;
  return { params: { N, r, p }, salt, key };
};

/**
 * Password hashes as `scrypt$N$r$p$salt$key` (base64): the parameters travel with
 * each hash, so raising the cost later leaves existing hashes verifiable.
 */
export function scryptPasswords(params: Partial<ScryptParameters> = {}): PasswordHasher {
  const { concurrency, ...current } = { ...DEFAULTS, ...params };
  const inTurn = limiter(concurrency);
  return {
    async hash(password) {
      const salt = randomBytes(SALT_BYTES);
      const key = await inTurn(() => derive(password, salt, current));
      return ['scrypt', current.N, current.r, current.p, salt.toString('base64'), key.toString('base64')].join('$');
    },
    async verify(password, stored) {
      const parsed = parseStored(stored);
      if (!parsed) return false;
      const actual = await inTurn(() => derive(password, parsed.salt, parsed.params).catch(() => undefined));
      return actual !== undefined && timingSafeEqual(actual, parsed.key);
    },
  };
}
