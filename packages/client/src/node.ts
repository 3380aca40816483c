import { Agent, fetch as undiciFetch } from 'undici';
import { createClient, type VodkitClient, type VodkitClientOptions } from './create-client.js';
import { type NodeUploadSource, undiciUpload } from './node/upload-undici.js';
import { fetchUpload } from './upload-fetch.js';

export * from './public.js';
export type { NodeUploadSource };

export interface NodeClientOptions extends VodkitClientOptions {
  /** Options of the default keep-alive pool (an undici Agent), e.g. `{ connections: 16 }`. */
  agent?: Agent.Options;
}

/**
 * The Node client: undici with a keep-alive pool for every call and for uploads. With your own
 * `fetch`, every call and upload goes through it instead (uploads as a streamed fetch body).
 * Call `close()` to end the pool's connections.
 */
export function createVodkitClient(options: NodeClientOptions): VodkitClient<NodeUploadSource> {
  if (options.fetch) {
    const custom = options.fetch;
    return createClient(options, {
      fetch: custom,
      upload: ({ source, ...request }) =>
        fetchUpload(custom, { ...request, source: webSource(source) }, { streamBlobs: true }),
      close: async () => {},
    });
  }
  const agent = new Agent({ keepAliveTimeout: 10_000, ...options.agent });
  return createClient(options, {
    fetch: ((input, init) => undiciFetch(input as string, { ...init, dispatcher: agent } as never)) as typeof fetch,
    upload: (request) => undiciUpload(agent, request),
    close: () => agent.close(),
  });
}

function webSource(source: NodeUploadSource) {
  if (typeof source === 'string')
    throw new TypeError('A file path needs the default transport; pass a Blob or a stream.');
  if (source instanceof Blob || source instanceof ReadableStream) return source;
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
