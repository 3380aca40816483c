import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { contract } from '@vodkit/contract';
import { VodkitError } from '../errors/vodkit-error.js';
import { type Answer, toResponse } from '../http/answer.js';
import { type ConnectionInfo, checkRequestTarget, requestPath } from '../http/request-target.js';
import { flattenContract } from '../http/router.js';

/** The first path segments of vodkit's routes, read from the contract: everything else on the origin may be the front end's. */
const vodkitSegments = new Set(flattenContract(contract).map(({ route }) => route.path.split('/')[1]));
const isVodkitPath = (pathname: string) => vodkitSegments.has(pathname.split('/')[1] ?? '');

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface App {
  answer(request: Request, info?: ConnectionInfo): Promise<Answer>;
  fetch(request: Request, info?: ConnectionInfo): Promise<Response>;
}

/**
 * vodkit with a built front end (a directory of static files, e.g. examples/web/dist) on the
 * same origin, so the page needs no CORS: GET and HEAD of any path that is not vodkit's answer
 * the file under `dir` (`/` is index.html). Vite names assets by their content hash, so they
 * are cached for good; the page itself is revalidated each time.
 */
export function withWebApp<T extends App>(app: T, dir: string): T {
  const root = resolve(dir);
  const serveFile = async (request: Request): Promise<Response> => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    const file = resolve(join(root, path === '/' ? 'index.html' : path));
    if (file !== root && !file.startsWith(root + sep)) throw new VodkitError('NOT_FOUND');
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      throw new VodkitError('NOT_FOUND');
    }
    const immutable = path.startsWith('/assets/');
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(bytes), {
      headers: {
        'content-type': types[extname(file)] ?? 'application/octet-stream',
        'content-length': String(bytes.byteLength),
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      },
    });
  };
  /** Whether vodkit answers the request: its paths and every method but GET and HEAD, whole (CORS included). */
  const forVodkit = (request: Request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return true;
    try {
      return isVodkitPath(requestPath(request).pathname);
    } catch {
      // A URL the host could not make: vodkit's own 400 answers it.
      return true;
    }
  };
  const answer = async (request: Request, info?: ConnectionInfo): Promise<Answer> => {
    // vodkit refuses dot segments and backslashes in its own paths itself.
    if (forVodkit(request)) return app.answer(request, info);
    try {
      // The page's paths get the same refusal as vodkit's.
      if (info?.target !== undefined) checkRequestTarget(info.target);
      return await serveFile(request);
    } catch (error) {
      if (error instanceof VodkitError) return error.toAnswer();
      return new VodkitError('VALIDATION', {
        details: [{ path: 'path', message: 'is not a valid path' }],
      }).toAnswer();
    }
  };
  const fetch = async (request: Request, info?: ConnectionInfo) => toResponse(await answer(request, info));
  return Object.assign(Object.create(app) as T, { answer, fetch });
}
