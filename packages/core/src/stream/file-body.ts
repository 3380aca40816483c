/**
 * Where an answer's bytes come from when they are a range of a file on disk. Hosts that can
 * send a file themselves (a file read straight into the socket, `Bun.file().slice()`) do so
 * instead of copying a web stream chunk by chunk.
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
  /** The file's version when vodkit looked at it (`StoredFile.version`), if the storage tells one. */
  version?: string | undefined;
}
