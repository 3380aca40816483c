// Baseline of the API benchmark on Node: a bare node:http server doing the work of a workload with
// nothing else — no routing library, no validation layer, no web Request/Response.
//
//   node bench/baselines/node-api.mjs <config.json>
//
// config.port, and either the memory baseline's config (memory-api.mjs: vodkit's bytes, a Map of
// sessions, an array of comments) or config.databaseUrl for the SQL that vodkit runs on MySQL
// (mysql-api.mjs). GET /healthz answers 200 once the server listens.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createMemoryApi } from './memory-api.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const api = config.databaseUrl
  ? await (await import('./mysql-api.mjs')).createMysqlApi(config)
  : createMemoryApi(config);

const send = (res, { status, contentType, body, length }) => {
  res.writeHead(status, { 'content-type': contentType, 'content-length': length });
  res.end(body);
};

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    if (req.url === '/healthz') return send(res, { status: 200, contentType: 'text/plain', body: 'ok', length: 2 });
    const answer = api.get(req.url);
    // The memory baseline answers at once; the MySQL one with a promise.
    if (answer.then) answer.then((a) => send(res, a));
    else send(res, answer);
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    send(res, await api.post(req.url, req.headers['x-session-id'], Buffer.concat(chunks).toString('utf8')));
  });
});
server.listen(config.port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  api.close?.().catch(() => {});
});
