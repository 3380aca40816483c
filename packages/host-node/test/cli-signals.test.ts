import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type CliRun, halfRequest, useCli } from '../../../test/support/cli.js';

const { run, listening } = useCli();

const stillRunning = (started: CliRun) => started.child.exitCode === null && started.child.signalCode === null;

// A request held half-sent keeps the graceful stop going (--shutdown-timeout 30s) until the test
// lets it finish: what a second signal does meanwhile is seen deterministically.
describe('vodkit CLI stop signals', () => {
  it('a second SIGINT 100 ms after the first (a parent relaying Ctrl-C) is ignored: the stop stays graceful, exit 0', async () => {
    const started = run(['--port', '0', '--shutdown-timeout', '30s']);
    const held = await halfRequest(await listening(started), 'relayed');
    started.child.kill('SIGINT');
    await sleep(100);
    started.child.kill('SIGINT');
    await sleep(300);
    expect(stillRunning(started)).toBe(true);
    held.finish();
    const response = await held.answered;
    expect(response.statusCode).toBe(201);
    response.resume();
    expect(await started.exit).toBe(0);
    expect(started.stdout).toContain('"message":"stopping","signal":"SIGINT"');
  });

  it.each([
    ['SIGINT', 1500],
    ['SIGTERM', 100],
  ] as const)('a second %s %i ms into a slow stop means now: exit 130', async (signal, afterMs) => {
    const started = run(['--port', '0', '--shutdown-timeout', '30s']);
    await halfRequest(await listening(started), 'cut');
    started.child.kill(signal);
    await sleep(afterMs);
    expect(stillRunning(started)).toBe(true);
    started.child.kill(signal);
    expect(await started.exit).toBe(130);
  });
});
