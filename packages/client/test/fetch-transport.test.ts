import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eventually, filesIn, mp4Bytes } from '../../../test/support/files.js';
import { memoryKind } from '../../../test/support/stores.js';
import { streamTokensOf } from '../../core/src/internals.js';
import { createVodkitClient as createBrowserClient } from '../src/browser.js';
import { isVodkitClientError, type UploadProgress, unwrap, type VodkitClient } from '../src/node.js';
import { newUserName, PASSWORD, useClientServer } from './support.js';

// Node has no XMLHttpRequest: the browser entry (and the Node entry given a fetch) upload
// with a streamed fetch body. These run that path against the real host.
describe('client: fetch transport', () => {
  const { served, client } = useClientServer(memoryKind);

  const signedIn = async (c: Pick<VodkitClient<unknown>, 'api'>) => {
    const user_name = newUserName();
    await unwrap(c.api.register({ body: { user_name, pwd: PASSWORD } }));
    return unwrap(c.api.createVideo({ params: { user_name }, body: { name: 'clip' } }));
  };

  /** Uploads a 700 kB Blob into a new video of `c`; returns the size and the progress events. */
  const uploadBlob = async (c: Pick<VodkitClient<Blob>, 'api' | 'upload'>) => {
    const video = await signedIn(c);
    const bytes = mp4Bytes(700_000);
    const events: UploadProgress[] = [];
    const uploaded = await c.upload(video.id, new Blob([new Uint8Array(bytes)]), {
      onProgress: (event) => events.push(event),
    });
    expect(uploaded).toMatchObject({ status: 200, body: { size: bytes.length, status: 'ready' } });
    return { size: bytes.length, events };
  };

  it('uploads a Blob whole from the browser entry where there is no XMLHttpRequest', async () => {
    const { size, events } = await uploadBlob(createBrowserClient({ baseUrl: served.url }));
    // Sent as a Blob body (streamed bodies need HTTP/2 in browsers): one event, at the end.
    expect(events).toEqual([{ sent: size, total: size }]);
  });

  it('streams a Blob with progress through a given fetch in Node', async () => {
    const { size, events } = await uploadBlob(client({ fetch: (input, init) => fetch(input, init) }));
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((event) => event.total === size)).toBe(true);
    expect(events.at(-1)?.sent).toBe(size);
  });

  it('aborts a streamed upload and leaves nothing behind', async () => {
    const c = createBrowserClient({ baseUrl: served.url });
    const video = await signedIn(c);
    const controller = new AbortController();
    const slow = new ReadableStream<Uint8Array>({
      async pull(stream) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        stream.enqueue(new Uint8Array(mp4Bytes(32 * 1024)));
      },
    });
    const upload = c.upload(video.id, slow, {
      signal: controller.signal,
      onProgress: ({ sent }) => {
        if (sent > 200_000) controller.abort();
      },
    });
    await expect(upload).rejects.toMatchObject({ name: 'AbortError' });
    await eventually('the token is back', () => streamTokensOf(served.vodkit).available === 64);
    await eventually('no temporary file is left', async () => (await filesIn(served.dataDir)).tmp.length === 0);
    expect(await unwrap(c.api.getVideo({ params: { vid: video.id } }))).toMatchObject({ status: 'pending' });
  });

  it('sends every call and upload through a given fetch', async () => {
    const urls: string[] = [];
    const c = client({
      fetch: (input, init) => {
        urls.push(new URL(String(input)).pathname);
        return fetch(input, init);
      },
    });
    const video = await signedIn(c);
    const uploaded = await c.upload(video.id, Readable.from([mp4Bytes(5000)]));
    expect(uploaded.status).toBe(200);
    expect(urls.at(-1)).toBe(`/upload/videos/${video.id}`);
    const other = await signedIn(c);
    const path = join(served.dataDir, `via-fetch-${other.id}.mp4`);
    await writeFile(path, mp4Bytes(200_000));
    const events: UploadProgress[] = [];
    const byPath = await c.upload(other.id, path, { onProgress: (event) => events.push(event) });
    expect(byPath).toMatchObject({ status: 200, body: { size: 200_000 } });
    expect(events.at(-1)).toEqual({ sent: 200_000, total: 200_000 });
    expect(urls.at(-1)).toBe(`/upload/videos/${other.id}`);
  });

  it('throws UNEXPECTED_RESPONSE for a status or body outside the contract', async () => {
    const proxy = (status: number, body: string, type: string) =>
      createBrowserClient({
        baseUrl: served.url,
        fetch: async () => new Response(body, { status, headers: { 'content-type': type } }),
      });
    const badGateway = proxy(502, '<h1>Bad gateway</h1>', 'text/html');
    const error = await badGateway.api.getVideo({ params: { vid: crypto.randomUUID() } }).catch((caught) => caught);
    expect(isVodkitClientError(error, 'UNEXPECTED_RESPONSE')).toBe(true);
    expect(error).toMatchObject({ status: 502, body: '<h1>Bad gateway</h1>' });

    // A listed status whose body is not vodkit's error shape is not typed as one either.
    const notOurs = proxy(404, '{"message":"not here"}', 'application/json');
    const notFound = await notOurs.api.getVideo({ params: { vid: crypto.randomUUID() } }).catch((caught) => caught);
    expect(isVodkitClientError(notFound, 'UNEXPECTED_RESPONSE')).toBe(true);
  });

  it("keeps vodkit's code for a status outside the route, and no one else's", async () => {
    const answering = (status: number, body: unknown) =>
      createBrowserClient({ baseUrl: served.url, fetch: async () => Response.json(body, { status }) });
    const methodNotAllowed = {
      error: { code: 'METHOD_NOT_ALLOWED', message: 'This route does not accept that method.' },
    };
    const ours = await answering(405, methodNotAllowed)
      .api.getVideo({ params: { vid: crypto.randomUUID() } })
      .catch((caught) => caught);
    expect(ours).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' });
    const foreign = { error: { code: 'BAD_GATEWAY', message: 'upstream down' } };
    const theirs = await answering(502, foreign)
      .api.getVideo({ params: { vid: crypto.randomUUID() } })
      .catch((caught) => caught);
    expect(theirs).toMatchObject({ status: 502, code: 'UNEXPECTED_RESPONSE', body: foreign });
  });

  it('checks success bodies too with validateResponse', async () => {
    const strict = createBrowserClient({
      baseUrl: served.url,
      validateResponse: true,
      fetch: async () => Response.json({ id: 'not a video' }),
    });
    const error = await strict.api.getVideo({ params: { vid: crypto.randomUUID() } }).catch((caught) => caught);
    expect(isVodkitClientError(error, 'UNEXPECTED_RESPONSE')).toBe(true);
  });
});
