// Baseline of the stream benchmark: the least a Node server does to serve a file with ranges,
// fs.createReadStream (1 MiB reads) piped to the response: a single `Range: bytes=a-b` is a 206
// with Content-Range and Content-Length, anything else the whole file, 200 with Content-Length.
// No store lookup, no stat per request, no validators: what vodkit's Node host should match.
//
//   node bench/baselines/read-stream.mjs <port> <file>
//
// Every path but /healthz (200, to say it listens) answers the file.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, path] = process.argv.slice(2);
const size = statSync(path).size;
const RANGE = /^bytes=(\d+)-(\d+)$/;

const server = createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes' };
  const range = RANGE.exec(req.headers.range ?? '');
  let [start, end, status] = [0, size - 1, 200];
  if (range) {
    [start, end, status] = [Number(range[1]), Math.min(Number(range[2]), size - 1), 206];
    if (start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}` });
      return res.end();
    }
    headers['content-range'] = `bytes ${start}-${end}/${size}`;
  }
  headers['content-length'] = end - start + 1;
  res.writeHead(status, headers);
  const file = createReadStream(path, { start, end, highWaterMark: 1024 * 1024 });
  file.on('error', () => res.destroy());
  // pipe() leaves the file open when the client goes away mid-body (as wrk does at the end of a run).
  res.on('close', () => file.destroy());
  file.pipe(res);
});
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
