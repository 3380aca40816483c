// Baseline of the API benchmark for the Bun host: a bare Bun.serve doing the memory baseline's
// work (memory-api.mjs, the same code as the bare node:http one): vodkit's bytes for the GETs, a
// Map of sessions and an array of comments for the POST.
//
//   bun bench/baselines/bun-api.mjs <config.json>
import { readFileSync } from 'node:fs';
import { createMemoryApi } from './memory-api.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const api = createMemoryApi(config);

const respond = ({ status, contentType, body, length }) =>
  new Response(body, { status, headers: { 'content-type': contentType, 'content-length': String(length) } });

const server = Bun.serve({
  port: config.port,
  hostname: '127.0.0.1',
  async fetch(request) {
    // The path and query: what follows the origin, without parsing a URL.
    const path = request.url.slice(request.url.indexOf('/', 8));
    if (request.method === 'GET') return path === '/healthz' ? new Response('ok') : respond(api.get(path));
    return respond(api.post(path, request.headers.get('x-session-id'), await request.text()));
  },
});
process.on('SIGTERM', () => {
  server.stop(true);
  process.exit(0);
});
