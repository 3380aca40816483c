import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import type { CliCommand } from '../support/cli.js';
import { createVideoOf, expectErrorShape, registerUser, send, splitUpload } from '../support/fault-http.js';
import { eventually, mp4Bytes } from '../support/files.js';
import { cliArgs, itWithNamespaces, listeningUrl, useProcesses } from '../support/processes.js';

const MiB = 1024 * 1024;

/**
 * The CLI with its data dir on a 2 MiB tmpfs mounted in a mount namespace of its own: the disk
 * fills for it alone, and the mount goes when it exits. The test sees the files as the CLI does
 * through /proc/<pid>/root, the root of the CLI's own mount namespace.
 */
export function diskFullSuite(name: string, command: CliCommand, options: { logsTheError: boolean }) {
  describe(`${name} with its data dir on a full disk`, () => {
    const { launch } = useProcesses();
    const mountPoint = mkdtempSync(join(tmpdir(), 'vodkit-full-'));
    afterAll(() => rmSync(mountPoint, { recursive: true, force: true }));

    itWithNamespaces()(
      'an upload larger than the space is 507 INSUFFICIENT_STORAGE, leaves nothing, and the server keeps serving',
      async () => {
        const script = 'mount -t tmpfs -o size=2m tmpfs "$0" && exec "$@"';
        const run = launch('unshare', [
          '-m',
          'sh',
          '-c',
          script,
          mountPoint,
          ...cliArgs(command, ['--port', '0', '--data-dir', mountPoint]),
        ]);
        const url = await listeningUrl(run);
        // unshare and sh exec in turn: the spawned pid is the CLI's.
        const pid = run.child.pid as number;
        const seen = (path: string) => join(`/proc/${pid}/root`, mountPoint, path);
        const mounts = await readFile(`/proc/${pid}/mountinfo`, 'utf8');
        expect(mounts.split('\n').some((line) => line.includes(` ${mountPoint} `) && line.includes('tmpfs'))).toBe(
          true,
        );

        const owner = await registerUser(url, 'filler');
        const vid = await createVideoOf(url, owner);
        const tooBig = splitUpload(url, vid, owner.session, mp4Bytes(3 * MiB), 3 * MiB);
        tooBig.finish();
        const answer = await tooBig.answer;
        expectErrorShape(answer, 507, 'INSUFFICIENT_STORAGE');

        await eventually('no temporary file left', async () => (await readdir(seen('tmp'))).length === 0, 3000);
        expect(await readdir(seen('videos'))).toEqual([]);
        const video = await send(url, `/api/videos/${vid}`);
        expect(video.body?.status).toBe('pending');
        expect((await send(url, '/healthz')).status).toBe(200);

        // Had the failed upload left its bytes, 1.5 MiB would not fit in the 2 MiB.
        const fits = mp4Bytes(1.5 * MiB);
        const stored = splitUpload(url, vid, owner.session, fits, fits.length);
        stored.finish();
        const ok = await stored.answer;
        expect(ok.status, `an upload that fits: ${ok.bytes}`).toBe(200);
        expect(ok.body).toMatchObject({ status: 'ready', size: fits.length });
        expect((await send(url, `/stream/videos/${vid}`)).bytes.equals(fits)).toBe(true);
        expect(await readdir(seen('tmp'))).toEqual([]);

        if (options.logsTheError) {
          const errors = `${run.stdout}\n${run.stderr}`.split('\n').filter((line) => line.includes('"level":"error"'));
          expect(
            errors.some((line) => /ENOSPC|no space left/i.test(line)),
            `an error line names the failure; the CLI wrote:\n${run.stdout}${run.stderr}`,
          ).toBe(true);
        }

        process.kill(pid, 'SIGTERM');
        expect((await run.exit).code).toBe(0);
      },
      60_000,
    );
  });
}
