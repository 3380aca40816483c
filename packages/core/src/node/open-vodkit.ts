import { memoryStore } from '../store/memory-store.js';
import type { Store } from '../store/types.js';
import { createVodkit, type Vodkit, type VodkitOptions } from '../vodkit.js';
import type { VodkitConfig } from './config.js';
import { mysqlStore } from './mysql/mysql-store.js';
import { scryptPasswords } from './scrypt-passwords.js';

/** The embedded store without a URL, MySQL with one (migrations applied before this resolves). */
export const openStore = (databaseUrl: string | undefined): Promise<Store> =>
  databaseUrl ? mysqlStore({ url: databaseUrl }) : Promise.resolve(memoryStore());

export type OpenVodkitOptions = Partial<Pick<VodkitConfig, 'databaseUrl' | 'services'>> &
  Omit<VodkitOptions, 'store' | 'passwords' | 'services'> &
  Partial<Pick<VodkitOptions, 'passwords'>>;

/** vodkit with Node's defaults: scrypt passwords and the store the database URL names. */
export async function openVodkit(options: OpenVodkitOptions = {}): Promise<Vodkit> {
  const { databaseUrl, ...rest } = options;
  return createVodkit({
    ...rest,
    store: await openStore(databaseUrl),
    passwords: options.passwords ?? scryptPasswords(),
  });
}
