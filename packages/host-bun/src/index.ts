// @vodkit/host-bun: vodkit on Bun.serve. The request handling (handler.ts, file-sends.ts) is the
// host's own; the command is src/cli.ts, on `main` of `@vodkit/core/cli`.

export { openBunSqlite } from './bun-sqlite.js';
export type { FetchHandler } from './handler.js';
export { type RunningServer, type ServeOptions, serve } from './serve.js';
