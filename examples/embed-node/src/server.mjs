// An existing node:http app that mounts vodkit: it keeps serving its own pages and
// hands every path that belongs to vodkit to vodkit's request listener.
//
//   pnpm build && node examples/embed-node/src/server.mjs     (PORT, HOST, VODKIT_DATABASE_URL)
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { openVodkit } from '@vodkit/core/node';
import { getRequestListener, writeClientError } from '@vodkit/host-node';

/** The path prefixes vodkit serves; everything else stays with the app. */
export const vodkitPrefixes = ['/api', '/stream', '/upload', '/scheduler'];

/** @param {string} pathname */
export const isVodkitPath = (pathname) =>
  pathname === '/healthz' || vodkitPrefixes.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));

/** The app's own pages, as it had them before vodkit came along. */
const pages = {
  '/': `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>My video site</title></head>
  <body>
    <h1>My video site</h1>
    <p>This page is the app's own. <a href="/about">About</a> · <a href="/healthz">vodkit health</a></p>
  </body>
</html>
`,
  '/about': `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>About</title></head>
  <body><h1>About</h1><p>Accounts, videos and comments are served by vodkit under /api.</p></body>
</html>
`,
};

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} type
 * @param {string} body
 */
const send = (res, status, type, body) => {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

/**
 * @typedef {object} EmbedOptions
 * @property {string | undefined} [databaseUrl] `sqlite:<path>`, `memory:` or `mysql://…`; undefined: SQLite at `<dataDir>/vodkit.db`; default VODKIT_DATABASE_URL
 * @property {import('@vodkit/core').PasswordHasher} [passwords] default scrypt
 * @property {string} [dataDir] where video files go; default VODKIT_DATA_DIR or ./data
 */

/**
 * Makes the app's server with vodkit mounted in it. The server is not listening yet;
 * `close()` stops it and then closes vodkit (and its database pool).
 *
 * @param {EmbedOptions} [options]
 */
export async function createEmbedServer(options = {}) {
  const databaseUrl = 'databaseUrl' in options ? options.databaseUrl : process.env.VODKIT_DATABASE_URL || undefined;
  const dataDir = options.dataDir ?? (process.env.VODKIT_DATA_DIR || './data');
  const vodkit = await openVodkit({
    databaseUrl,
    dataDir,
    ...(options.passwords ? { passwords: options.passwords } : {}),
  });
  const vodkitListener = getRequestListener(vodkit);

  // requireHostHeader: false lets vodkit answer a request without Host in its error shape; the
  // clientError listener does the same for requests node:http cannot parse.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (isVodkitPath(pathname)) return void vodkitListener(req, res);

    const page = pages[/** @type {keyof typeof pages} */ (pathname)];
    if (page && (req.method === 'GET' || req.method === 'HEAD')) {
      return send(res, 200, 'text/html; charset=utf-8', page);
    }
    send(res, 404, 'text/plain; charset=utf-8', `Not found: ${pathname}\n`);
  });
  server.on('clientError', (error, socket) => writeClientError(error, socket));

  const close = async () => {
    await new Promise((resolve) => {
      server.close(() => resolve(undefined));
      server.closeIdleConnections();
    });
    await vodkit.close();
  };

  return { server, vodkit, close };
}

// Run directly: listen on PORT (default 3000) and stop cleanly on Ctrl-C or SIGTERM.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const app = await createEmbedServer();
  app.server.listen(port, host, () => {
    console.log(`embed-node example on http://${host}:${port} (vodkit store: ${app.vodkit.store.kind})`);
  });
  const stop = () => app.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
