import { beforeAll, describe, expect, it } from 'vitest';
import { webmBytes } from '../support/files.js';
import { hostNames, uploadedVideo, useHost } from '../support/hosts.js';

const SIZE = 4012;

describe.each(hostNames)('ranges on the %s host are what vodkit decides', (name) => {
  const host = useHost(name);
  const bytes = webmBytes(SIZE);
  let path: string;
  beforeAll(async () => {
    path = `/stream/videos/${(await uploadedVideo(host.url, 'ranger', bytes)).vid}`;
  });

  const get = async (headers: Record<string, string>) => {
    const response = await fetch(`${host.url}${path}`, { headers });
    return { response, body: Buffer.from(await response.arrayBuffer()) };
  };

  // Bun applies a request's Range to file answers by itself: it must not undo vodkit's 200.
  it.each([
    ['a range whose start is past its end', { range: 'bytes=65535-0' }],
    ['a backwards range inside the file', { range: 'bytes=5-2' }],
    ['an If-Range that no longer matches', { range: 'bytes=0-9', 'if-range': '"an old etag"' }],
  ])('%s is ignored: 200 with the whole file', async (_label, headers) => {
    const { response, body } = await get(headers);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-range')).toBeNull();
    expect(body.equals(bytes)).toBe(true);
  });

  it('a range vodkit takes is 206 with its Content-Length and Content-Range', async () => {
    const { response, body } = await get({ range: 'bytes=10-19' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-length')).toBe('10');
    expect(response.headers.get('content-range')).toBe(`bytes 10-19/${SIZE}`);
    expect(body.equals(bytes.subarray(10, 20))).toBe(true);
  });

  it('nothing was logged as a fault', () => {
    expect(host.errors()).toEqual([]);
  });
});
