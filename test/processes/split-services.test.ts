import { describe, expect, it } from 'vitest';
import type { CliCommand } from '../support/cli.js';
import { createVideoOf, registerUser, send, uploadBytes } from '../support/fault-http.js';
import { bunCli, expectStatus, nodeCli, readClip, storeOf, useSqliteCli } from './support.js';

/**
 * The services apart, as processes on one machine: `--services api` and `--services stream` on
 * one data dir share its SQLite file, so what one writes the other reads at once. The last pair
 * mixes the hosts, and so the drivers (better-sqlite3 and bun:sqlite) on one file.
 */
describe.each([
  ['Node', nodeCli, 'Node', nodeCli],
  ['Bun', bunCli, 'Bun', bunCli],
  ['Node', nodeCli, 'Bun', bunCli],
] as [string, CliCommand, string, CliCommand][])(
  'api on %s and stream on %s, one SQLite file',
  (_a, apiCli, _s, streamCli) => {
    const { newDataDir, start } = useSqliteCli();

    it('an upload through the stream process is ready through the api process, and back', async () => {
      const dataDir = newDataDir();
      const clip = await readClip();
      const [api, stream] = await Promise.all([
        start(apiCli, dataDir, ['--services', 'api']),
        start(streamCli, dataDir, ['--services', 'stream']),
      ]);
      expect([storeOf(api), storeOf(stream)]).toEqual(['sqlite', 'sqlite']);
      // Each serves its own routes only.
      expectStatus(await send(stream.url, '/api/videos/00000000-0000-4000-8000-000000000000'), 404);

      // Registered and created through the api process; the session authenticates on the stream one.
      const alice = await registerUser(api.url, 'alice');
      const vid = await createVideoOf(api.url, alice, 'split');
      const uploaded = expectStatus(await uploadBytes(stream.url, vid, alice.session, clip), 200);
      expect(uploaded.body).toMatchObject({ id: vid, status: 'ready', size: clip.length });

      const seen = expectStatus(await send(api.url, `/api/videos/${vid}`), 200).body;
      expect(seen).toMatchObject({ id: vid, status: 'ready', size: clip.length, content_type: 'video/mp4' });
      const streamed = expectStatus(await send(stream.url, `/stream/videos/${vid}`), 200);
      expect(streamed.bytes.equals(clip)).toBe(true);
      // A second upload is refused by the stream process: it reads the status the first one wrote.
      expectStatus(await uploadBytes(stream.url, vid, alice.session, clip), 409);

      // Deleted through the api process: the stream process stops serving it at once.
      expectStatus(await send(api.url, `/api/videos/${vid}`, { method: 'DELETE', session: alice.session }), 204);
      expectStatus(await send(stream.url, `/stream/videos/${vid}`), 404);
      // A logout through the api process ends the session on the stream one too.
      const other = await createVideoOf(api.url, alice, 'after logout');
      expectStatus(await send(api.url, '/api/logout', { method: 'POST', session: alice.session }), 204);
      expectStatus(await uploadBytes(stream.url, other, alice.session, clip), 401);
      await Promise.all([api.stop(), stream.stop()]);
    });
  },
);
