import type { FileBody } from '../stream/file-body.js';

/** What a storage knows of a stored video file. */
export interface StoredFile {
  size: number;
  /** Modification time of the stored file; with the size it makes the ETag. */
  mtimeMs: number;
  /**
   * Which file this is, when the storage can tell (on disk: device, inode, exact modification
   * time, size): a host that keeps files open shares one only between sends of the same version.
   */
  version?: string | undefined;
}

/** One byte range of a stored file, opened only when read. */
export interface FileSource {
  stream(): ReadableStream<Uint8Array>;
  /** Where the bytes are on disk, for hosts that send files themselves. */
  file?: Omit<FileBody, 'idleTimeoutMs' | 'version'>;
}

/** What `VideoStorage.put` did: stored the file, or found one there already (the first upload wins). */
export type PutResult = { kind: 'stored'; file: StoredFile } | { kind: 'exists' };

/** Where video files live. Ids reaching it are validated UUIDs. */
export interface VideoStorage {
  /**
   * Streams the body to a temporary file, makes it durable and only then moves it
   * into place, so a reader never sees part of a file. When the body fails or is
   * aborted nothing is left behind. `exists` when the video already has a file.
   */
  put(videoId: string, body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<PutResult>;
  stat(videoId: string): Promise<StoredFile | undefined>;
  /** Bytes `start` to `end`, inclusive. */
  read(videoId: string, start: number, end: number): FileSource;
  /** Removes the file; a file already gone counts as removed. */
  delete(videoId: string): Promise<void>;
}
