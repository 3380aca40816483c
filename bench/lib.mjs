// Small pieces every benchmark script uses.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A port nothing listens on right now. */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** POSTs JSON (with a session when given) and returns the parsed answer; anything but 2xx throws. */
export async function post(url, body, session) {
  const headers = { 'content-type': 'application/json' };
  if (session) headers['x-session-id'] = session;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Runs `command args` with stderr kept, and resolves once `url` answers 200; rejects with what
 * the process said if it exits first or does not answer within 30 s. `stop()` sends SIGTERM and
 * waits for the exit.
 */
export async function spawnUntilHealthy(command, args, url, options = {}) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  for (const deadline = Date.now() + 30_000; ; ) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}: ${stderr.trim()}`);
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within 30 s: ${stderr.trim()}`);
    await sleep(100);
  }
  return {
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
