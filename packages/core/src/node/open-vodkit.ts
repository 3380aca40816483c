import { defaults } from '../defaults.js';
import type { ServiceName } from '../services.js';
import { memoryStore } from '../store/memory-store.js';
import type { Store } from '../store/types.js';
import { createVodkit, type Vodkit, type VodkitOptions } from '../vodkit.js';
import { busboyMultipart } from './busboy-multipart.js';
import { fsStorage } from './fs-storage.js';
import { mysqlStore } from './mysql/mysql-store.js';
import { scryptPasswords } from './scrypt-passwords.js';

/** The embedded store without a URL, MySQL with one (migrations applied before this resolves). */
export const openStore = (databaseUrl: string | undefined, timeoutMs?: number): Promise<Store> =>
  databaseUrl ? mysqlStore({ url: databaseUrl, ...(timeoutMs ? { timeoutMs } : {}) }) : Promise.resolve(memoryStore());

/** `createVodkit`'s options, each with a Node default, and where the store and the files are. */
export interface OpenVodkitOptions extends Partial<Omit<VodkitOptions, 'store' | 'services'>> {
  /** `mysql://…`; none for the embedded store. */
  databaseUrl?: string | undefined;
  /** Default: `defaults.services`, all three. */
  services?: readonly ServiceName[];
  /** Where video files go (`<dataDir>/videos`). Default: `defaults.dataDir`. */
  dataDir?: string;
  /** Bounds the connect, the wait for a pooled connection and each query of a database. Default: `defaults.databaseTimeoutMs`. */
  databaseTimeoutMs?: number;
}

/**
 * vodkit with Node's defaults: scrypt passwords, the store the database URL
 * names, video files under the data directory, multipart through busboy.
 */
export async function openVodkit(options: OpenVodkitOptions = {}): Promise<Vodkit> {
  const { databaseUrl, databaseTimeoutMs, dataDir = defaults.dataDir, services = defaults.services, ...rest } = options;
  const needsFiles = services.includes('stream') || services.includes('scheduler');
  const storage = needsFiles ? (rest.storage ?? (await fsStorage(dataDir))) : rest.storage;
  return createVodkit({
    multipart: busboyMultipart,
    ...rest,
    services,
    ...(storage ? { storage } : {}),
    store: await openStore(databaseUrl, databaseTimeoutMs),
    passwords: rest.passwords ?? scryptPasswords(),
  });
}
