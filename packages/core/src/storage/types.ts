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

/** The part file of a resumable upload, open for appending. */
export interface PartWriter {
  /** Writes the chunks, in order, after the bytes already written. */
  write(chunks: readonly Uint8Array[]): Promise<void>;
  /** Makes every byte written so far durable. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Where video files live. Ids reaching it are validated UUIDs (videos) and 32 hex digits (resumable uploads). */
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
  /**
   * Opens the part file of a resumable upload, cut to its first `offset` bytes (anything after
   * them was never recorded as durable). At 0 the part is created when missing; otherwise
   * undefined when the part is missing or shorter than `offset`: its bytes are lost.
   */
  openPart(videoId: string, uploadId: string, offset: number): Promise<PartWriter | undefined>;
  /** The first `length` bytes of the part (fewer when it is shorter). */
  readPartHead(videoId: string, uploadId: string, length: number): Promise<Uint8Array>;
  /**
   * Moves a whole part, already durable, into place as the video's file, the way `put` does: a
   * reader never sees part of a file, and `exists` when the video has one already. The part stops
   * being one first, so no request can open it again; `gone` when there was none.
   */
  finishPart(videoId: string, uploadId: string): Promise<PutResult | { kind: 'gone' }>;
  /** Removes the part of `uploadId`, or with no id every part of the video; missing ones count as removed. */
  deleteParts(videoId: string, uploadId?: string): Promise<void>;
}
