/**
 * Where a response's bytes come from when they are a range of a file on disk.
 * Hosts that can send a file themselves (a file stream piped to the socket,
 * `Bun.file().slice()`) use it instead of copying the web stream chunk by chunk;
 * they then cancel the web body, which is never opened, so its cleanup runs.
 */
export interface FileBody {
  path: string;
  start: number;
  /** Inclusive. */
  end: number;
  /**
   * A send that moves no bytes for this long (a client that stopped reading) is cut, so
   * its stream token comes back. Hosts apply it to the socket or send they own.
   */
  idleTimeoutMs: number;
}

// A registered symbol, so a host still finds it if two copies of the core are loaded.
const FILE_BODY = Symbol.for('vodkit.fileBody');

export const withFileBody = (response: Response, file: FileBody): Response =>
  Object.assign(response, { [FILE_BODY]: file });

export const fileBodyOf = (response: Response): FileBody | undefined =>
  (response as Response & { [FILE_BODY]?: FileBody })[FILE_BODY];
