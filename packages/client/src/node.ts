import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Agent, fetch as undiciFetch } from 'undici';
import { createClient, type VodkitClient, type VodkitClientOptions } from './create-client.js';
import { nodeTusPlatform } from './node/upload-tus-node.js';
import { type NodeUploadSource, undiciUpload } from './node/upload-undici.js';
import { fetchUpload } from './upload-fetch.js';
import { MemoryUrlStorage, type ResumableRequest, tusUpload } from './upload-tus.js';

export * from './public.js';
export type { NodeUploadSource };

export interface NodeClientOptions extends VodkitClientOptions {
  /** Options of the default keep-alive pool (an undici Agent), e.g. `{ connections: 16 }`. */
  agent?: Agent.Options;
}

/**
 * The Node client: undici with a keep-alive pool for every call and for uploads. With your own
 * `fetch`, every call and upload goes through it instead (uploads as a streamed fetch body).
 * Resumable uploads go through tus-js-client's node:http stack either way; the URLs of unfinished
 * ones are kept in memory, per client, unless an upload gives its own `urlStorage`.
 * Call `close()` to end the pool's connections; it waits for bodies still being read, so read
 * or cancel every `streamVideo` body first.
 */
export function createVodkitClient(options: NodeClientOptions): VodkitClient<NodeUploadSource> {
  const tus = nodeTusPlatform(new MemoryUrlStorage());
  const resumable = (request: ResumableRequest<NodeUploadSource>) => tusUpload(tus, request);
  if (options.fetch) {
    const custom = options.fetch;
    return createClient(options, {
      fetch: custom,
      upload: async ({ source, options: uploadOptions, ...request }) => {
        const web = await webSource(source, uploadOptions.size);
        const options = { ...uploadOptions, size: web.size };
        return fetchUpload(custom, { ...request, options, source: web.stream }, { streamBlobs: true });
      },
      resumable,
      close: async () => {},
    });
  }
  const agent = new Agent({ keepAliveTimeout: 10_000, ...options.agent });
  return createClient(options, {
    fetch: ((input, init) => undiciFetch(input as string, { ...init, dispatcher: agent } as never)) as typeof fetch,
    upload: (request) => undiciUpload(agent, request),
    resumable,
    close: () => agent.close(),
  });
}

/** A Node source as a web one, for a custom fetch: a path is opened (and its size known). */
async function webSource(
  source: NodeUploadSource,
  size: number | undefined,
): Promise<{ stream: Blob | ReadableStream<Uint8Array>; size: number | undefined }> {
  if (typeof source === 'string') {
    const { size: fileSize } = await stat(source);
    return { stream: Readable.toWeb(createReadStream(source)) as ReadableStream<Uint8Array>, size: fileSize };
  }
  if (source instanceof Uint8Array)
    return { stream: new Blob([source as Uint8Array<ArrayBuffer>]), size: source.byteLength };
  if (source instanceof Blob || source instanceof ReadableStream) return { stream: source, size };
  return { stream: Readable.toWeb(Readable.from(source, { objectMode: false })) as ReadableStream<Uint8Array>, size };
}
