import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '../auth/password-hasher.js';

export interface ScryptParameters {
  /** CPU and memory cost, a power of two. Default 2^15. */
  N: number;
  r: number;
  p: number;
}

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const DEFAULTS: ScryptParameters = { N: 2 ** 15, r: 8, p: 1 };

const derive = (password: string, salt: Buffer, params: ScryptParameters) =>
  new Promise<Buffer>((resolve, reject) => {
    const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });

/**
 * Password hashes as `scrypt$N$r$p$salt$key` (base64): the parameters travel with
 * each hash, so raising the cost later leaves existing hashes verifiable.
 */
export function scryptPasswords(params: Partial<ScryptParameters> = {}): PasswordHasher {
  const current = { ...DEFAULTS, ...params };
  return {
    async hash(password) {
      const salt = randomBytes(SALT_BYTES);
      const key = await derive(password, salt, current);
      return ['scrypt', current.N, current.r, current.p, salt.toString('base64'), key.toString('base64')].join('$');
    },
    async verify(password, stored) {
      const [scheme, N, r, p, salt, key] = stored.split('$');
      if (scheme !== 'scrypt' || !salt || !key) return false;
      const expected = Buffer.from(key, 'base64');
      const actual = await derive(password, Buffer.from(salt, 'base64'), { N: Number(N), r: Number(r), p: Number(p) });
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}
