import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Bun's own binary, from the `bun` dev dependency. node_modules/.bin/bun is a shell script
 * that runs it as a child, so a signal sent to the script would leave Bun running.
 */
export const bunBinary = join(dirname(createRequire(import.meta.url).resolve('bun/package.json')), 'bin', 'bun.exe');
