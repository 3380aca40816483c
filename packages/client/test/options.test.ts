import { describe, expect, it } from 'vitest';
import { mp4Bytes } from '../../../test/support/files.js';
import { memoryKind } from '../../../test/support/stores.js';
import { readBytes } from '../../../test/support/streams.js';
import { unwrap } from '../src/node.js';
import { newUserName, PASSWORD, SCHEDULER_TOKEN, useClientServer } from './support.js';

// Nothing answers on port 1: a call that went there would fail.
const NOWHERE = 'http://127.0.0.1:1';

describe('client: options', () => {
  const { served, client } = useClientServer(memoryKind);

  it('reaches the stream and scheduler services at their own base URLs', async () => {
    const api = client();
    const user_name = newUserName();
    const { session_id } = await unwrap(api.api.register({ body: { user_name, pwd: PASSWORD } }));
    const video = await unwrap(api.api.createVideo({ params: { user_name }, body: { name: 'apart' } }));

    const apart = client({
      baseUrl: NOWHERE,
      streamBaseUrl: `${served.url}/`,
      schedulerBaseUrl: served.url,
      sessionId: session_id,
      schedulerToken: SCHEDULER_TOKEN,
    });
    const bytes = mp4Bytes(30_000);
    expect((await apart.upload(video.id, new Blob([new Uint8Array(bytes)]))).status).toBe(200);
    expect(apart.streamUrl(video.id)).toBe(`${served.url}/stream/videos/${video.id}`);
    const streamed = await apart.stream.streamVideo({ params: { vid: video.id } });
    if (streamed.status !== 200) throw new Error(`expected 200, got ${streamed.status}`);
    expect((await readBytes(streamed.body)).equals(bytes)).toBe(true);
    expect((await apart.deleteVideoNow(video.id)).status).toBe(200);
    await expect(apart.api.getVideo({ params: { vid: video.id } })).rejects.toThrow(/fetch failed/);
  });

  it('runs its calls on the pool it is given', async () => {
    const c = client({ agent: { connections: 1 } });
    const calls = Array.from({ length: 10 }, () => c.health.health());
    expect((await Promise.all(calls)).map((answer) => answer.status)).toEqual(Array(10).fill(200));
  });
});
