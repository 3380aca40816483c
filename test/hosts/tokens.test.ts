import { describe, expect, it } from 'vitest';
import { openRaw, parseResponse, sleep } from '../../packages/host-node/test/support/socket.js';
import { eventually, mp4Bytes } from '../support/files.js';
import { hostNames, uploadedVideo, useHost } from '../support/hosts.js';
import { call, register } from '../support/server.js';

const MiB = 1024 * 1024;
const IDLE_MS = 1500;
/** Bigger than what loopback socket buffers take in, so an unread send stays in flight. */
const BIG = 40 * MiB;

/** The statuses of `count` Range requests made one after another, each body read to its end. */
async function sequentialRanges(base: string, vid: string, count: number) {
  const statuses: Record<number, number> = {};
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${base}/stream/videos/${vid}`, { headers: { range: `bytes=0-${MiB - 1}` } });
    const body = await response.arrayBuffer();
    if (response.status === 206) expect(body.byteLength).toBe(MiB);
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  }
  return statuses;
}

const rangeStatus = async (base: string, vid: string) => {
  const response = await fetch(`${base}/stream/videos/${vid}`, { headers: { range: 'bytes=0-0' } });
  await response.arrayBuffer();
  return response.status;
};

/**
 * Reads a whole response on a raw connection at about `bytesPerSecond`, pausing between
 * bursts as a player with a full buffer does. Resolves with the body bytes received.
 */
async function readSlowly(base: string, path: string, bytesPerSecond: number) {
  const conn = await openRaw(base);
  conn.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const burst = 256 * 1024;
  let sinceBurst = 0;
  conn.socket.on('data', (chunk: Buffer) => {
    sinceBurst += chunk.length;
    if (sinceBurst < burst) return;
    sinceBurst = 0;
    conn.socket.pause();
    setTimeout(() => conn.socket.resume(), (burst / bytesPerSecond) * 1000);
  });
  await conn.closed;
  const text = conn.received();
  return text.length - text.indexOf('\r\n\r\n') - 4;
}

describe.each(hostNames)('stream tokens on the %s host', (name) => {
  // One token: any token given back late, or never, shows as a 429.
  const host = useHost(name, { streamTokens: 1, streamIdleTimeoutMs: IDLE_MS });

  it('300 sequential 1 MiB Range requests, each read to its end, are 206 every time', async () => {
    const { vid } = await uploadedVideo(host.url, 'sequential', mp4Bytes(2 * MiB));
    expect(await sequentialRanges(host.url, vid, 300)).toEqual({ 206: 300 });
    expect(host.errors()).toEqual([]);
  }, 60_000);

  it('a client that reads slowly but steadily for longer than the idle timeout gets the whole file', async () => {
    const { vid } = await uploadedVideo(host.url, 'slow_reader', mp4Bytes(BIG));
    const started = Date.now();
    expect(await readSlowly(host.url, `/stream/videos/${vid}`, 4 * MiB)).toBe(BIG);
    // Longer than any idle cut of either host: Bun's, on 4-second ticks, comes up to 8 s after the last byte.
    expect(Date.now() - started).toBeGreaterThan(8500);
    expect(host.errors()).toEqual([]);
  }, 30_000);

  it('a client that opens a stream and never reads it loses its token after the idle timeout', async () => {
    const { vid } = await uploadedVideo(host.url, 'idler', mp4Bytes(BIG));
    const idle = await openRaw(host.url);
    idle.socket.write(`GET /stream/videos/${vid} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await idle.waitFor('\r\n\r\n');
    expect(parseResponse(idle.received()).status).toBe(200);
    // It reads no more: once the socket buffers are full the send stops moving.
    idle.socket.pause();
    const since = Date.now();
    expect(await rangeStatus(host.url, vid)).toBe(429);

    // Node cuts after one to two idle timeouts; Bun, on 4-second ticks and never early, 4 to 8 s after.
    await eventually('the token back', async () => (await rangeStatus(host.url, vid)) === 206, IDLE_MS + 8000);
    expect(Date.now() - since).toBeGreaterThanOrEqual(IDLE_MS - 100);
    expect(await sequentialRanges(host.url, vid, 3)).toEqual({ 206: 3 });
    idle.socket.destroy();
    expect(host.errors()).toEqual([]);
  }, 30_000);

  it('an upload whose body stops arriving ends with 408 after the idle timeout and gives its token back', async () => {
    const { vid: streamed } = await uploadedVideo(host.url, 'stall_probe', mp4Bytes(1024));
    // The probe's own upload gives its token back once its answer is written.
    await eventually('the probe upload token back', async () => (await rangeStatus(host.url, streamed)) === 206);
    const owner = await register(host.url, 'staller');
    const created = await call(host.url, 'POST', '/api/user/staller/videos', {
      session: owner.session,
      body: { name: 'stalled' },
    });
    const conn = await openRaw(host.url);
    conn.socket.write(
      `POST /upload/videos/${created.body.id} HTTP/1.1\r\nHost: x\r\nX-Session-Id: ${owner.session}\r\nContent-Type: video/mp4\r\nContent-Length: ${10 * MiB}\r\n\r\n`,
    );
    conn.socket.write(mp4Bytes(64 * 1024));
    const since = Date.now();
    // Let the upload take the token before a probe could race it there.
    await sleep(300);
    // The one token is the stalled upload's until it ends.
    expect(await rangeStatus(host.url, streamed), conn.received().slice(0, 200)).toBe(429);
    await conn.waitFor('\r\n\r\n');
    const answer = parseResponse(conn.received());
    expect(answer.status).toBe(408);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Date.now() - since).toBeGreaterThanOrEqual(IDLE_MS - 100);
    await eventually('the token back', async () => (await rangeStatus(host.url, streamed)) === 206, 5000);
    conn.socket.destroy();
    const video = await call(host.url, 'GET', `/api/videos/${created.body.id}`);
    expect(video.body.status).toBe('pending');
    expect(host.errors()).toEqual([]);
  }, 30_000);
});
