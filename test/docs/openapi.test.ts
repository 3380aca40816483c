import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { contract, errorCodes } from '@vodkit/contract';
import { describe, expect, it } from 'vitest';
import { routes } from '../../scripts/http-reference.mjs';
import { openApiDocument } from '../../scripts/openapi.mjs';

const file = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

// What `pnpm docs:generate` would write, as data: Biome may lay the JSON out differently, which does not matter.
const fresh = JSON.parse(JSON.stringify(openApiDocument()));
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

describe('docs/openapi.json', () => {
  it('is what the contract generates (run `pnpm docs:generate` after changing the contract)', () => {
    expect(JSON.parse(file('docs/openapi.json'))).toStrictEqual(fresh);
  });

  it('is a valid OpenAPI 3 document whose references all resolve', async () => {
    // validate() checks against the official OpenAPI 3.0 schema, then resolves every $ref.
    const api = await SwaggerParser.validate(structuredClone(fresh));
    expect(api).toHaveProperty('openapi', expect.stringMatching(/^3\./));
  });

  it('has every route of the contract, with each of its statuses', () => {
    const list = routes();
    expect(list.length).toBeGreaterThan(0);
    for (const route of list) {
      const operation = fresh.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      // A route whose contract has no 4xx gets the 400 that every route answers to a bad Host or path.
      const statuses = route.statuses.some((status) => status >= 400 && status < 500)
        ? route.statuses
        : [...route.statuses, 400].sort();
      expect(Object.keys(operation.responses).map(Number).sort(), `${route.method} ${route.path}`).toEqual(statuses);
    }
    const operations = Object.values(fresh.paths).flatMap((item) => Object.keys(item as object));
    expect(operations).toHaveLength(list.length + 1); // + HEAD of the stream route
  });

  it("narrows each error's code to the codes of its status", () => {
    for (const status of [400, 401, 403, 404, 409, 412, 413, 415, 416, 429, 500]) {
      const codes = Object.entries(errorCodes)
        .filter(([, entry]) => entry.status === status)
        .map(([code]) => code);
      expect(fresh.components.schemas[`Error${status}`].properties.error.properties.code.enum, `${status}`).toEqual(
        codes,
      );
    }
    const login = fresh.paths['/api/login'].post.responses[401];
    expect(login.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error401' });
    expect(login.description).toContain('`BAD_CREDENTIALS`');
  });

  it('says which routes take a session and which the scheduler token', () => {
    const { securitySchemes } = fresh.components;
    expect(securitySchemes.sessionHeader).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Session-Id' });
    expect(securitySchemes.sessionBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(securitySchemes.schedulerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const route of routes()) {
      const operation = fresh.paths[openApiPath(route.path)][route.method.toLowerCase()];
      const expected =
        route.auth === 'session'
          ? [{ sessionHeader: [] }, { sessionBearer: [] }]
          : route.auth === 'scheduler'
            ? [{ schedulerToken: [] }]
            : [];
      expect(operation.security, `${route.method} ${route.path}`).toEqual(expected);
    }
  });

  it('describes the stream route as bytes with Range headers, and its HEAD', () => {
    const item = fresh.paths['/stream/videos/{vid}'];
    const { responses } = item.get;
    expect(responses[200].content['video/*'].schema).toMatchObject({ type: 'string', format: 'binary' });
    expect(Object.keys(responses[200].headers)).toEqual(['Accept-Ranges', 'ETag', 'Last-Modified', 'Content-Length']);
    expect(Object.keys(responses[206].content)).toEqual(['video/*', 'multipart/byteranges']);
    expect(responses[206].headers).toHaveProperty('Content-Range');
    expect(Object.keys(responses[304].headers)).toEqual(['Accept-Ranges', 'ETag', 'Last-Modified']);
    expect(responses[416].headers['Content-Range'].description).toContain('bytes */size');
    expect(responses[429].headers).toHaveProperty('Retry-After');
    expect(item.get.parameters.map((parameter: { name: string }) => parameter.name)).toEqual([
      'vid',
      'range',
      'if-range',
      'if-none-match',
      'if-modified-since',
    ]);

    expect(item.head.operationId).toBe('stream.streamVideo.head');
    expect(Object.keys(item.head.responses)).toEqual(Object.keys(responses));
    for (const answer of Object.values(item.head.responses)) expect(answer).not.toHaveProperty('content');
    expect(item.head.responses[206].headers).toEqual(responses[206].headers);
  });

  it('describes the upload body as raw video bytes or multipart with a file field', () => {
    const upload = fresh.paths['/upload/videos/{vid}'].post;
    expect(upload.requestBody.required).toBe(true);
    expect(upload.requestBody.content['video/*'].schema).toEqual({ type: 'string', format: 'binary' });
    expect(upload.requestBody.content['multipart/form-data'].schema).toEqual({
      type: 'object',
      properties: { file: { type: 'string', format: 'binary' } },
      required: ['file'],
    });
    expect(upload.responses[429].headers).toHaveProperty('Retry-After');
  });

  it('describes the tus routes under the methods they are served with, HEAD and OPTIONS included', () => {
    expect(Object.keys(fresh.paths['/upload/videos/{vid}/resumable'])).toEqual(['options', 'post']);
    expect(Object.keys(fresh.paths['/upload/resumable/{upload_id}'])).toEqual(['options', 'head', 'patch', 'delete']);
    const { options, head, patch } = fresh.paths['/upload/resumable/{upload_id}'];
    expect(options.operationId).toBe('resumable.discoverUpload');
    expect(head.operationId).toBe('resumable.uploadOffset');
    expect(options.security).toEqual([]);
    expect(head.security).toEqual([{ sessionHeader: [] }, { sessionBearer: [] }]);
    expect(Object.keys(options.responses[204].headers)).toEqual([
      'Tus-Version',
      'Tus-Extension',
      'Tus-Max-Size',
      'Tus-Resumable',
    ]);
    expect(Object.keys(head.responses[200].headers)).toEqual([
      'Upload-Offset',
      'Upload-Length',
      'Upload-Expires',
      'Cache-Control',
      'Tus-Resumable',
    ]);
    // A HEAD answer has no body, errors included.
    for (const answer of Object.values(head.responses)) expect(answer).not.toHaveProperty('content');
    expect(patch.responses[204]).not.toHaveProperty('content');
    expect(Object.keys(patch.responses[409].headers)).toEqual(['Upload-Offset', 'Retry-After', 'Tus-Resumable']);
    expect(patch.responses[412].headers).toHaveProperty('Tus-Version');
    expect(patch.responses[409].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error409' });
  });

  it('puts Tus-Resumable on every answer of a tus route, errors included', () => {
    const tus = routes().filter((route) => /^\/upload\/(videos\/:vid\/resumable|resumable\/)/.test(route.path));
    expect(tus).toHaveLength(6);
    for (const route of tus) {
      const operation = fresh.paths[openApiPath(route.path)][route.method.toLowerCase()];
      for (const [status, answer] of Object.entries(operation.responses as Record<string, { headers?: object }>)) {
        expect(answer.headers, `${route.method} ${route.path} ${status}`).toHaveProperty('Tus-Resumable', {
          $ref: '#/components/headers/TusResumable',
        });
      }
    }
    expect(fresh.components.headers.TusResumable.description).toContain('`1.0.0`');
  });

  it('describes the tus request headers, and the bytes of creation and PATCH as binary bodies', () => {
    const create = fresh.paths['/upload/videos/{vid}/resumable'].post;
    const patch = fresh.paths['/upload/resumable/{upload_id}'].patch;
    const headersOf = (operation: { parameters: { in: string; name: string }[] }) =>
      Object.fromEntries(operation.parameters.filter((p) => p.in === 'header').map((p) => [p.name, p]));
    expect(Object.keys(headersOf(create))).toEqual(['tus-resumable', 'upload-length', 'upload-metadata']);
    expect(headersOf(create)['upload-length']).toMatchObject({
      required: true,
      schema: { type: 'integer', minimum: 1 },
    });
    expect(headersOf(create)['tus-resumable']).toMatchObject({ required: true, schema: { enum: ['1.0.0'] } });
    expect(Object.keys(headersOf(patch))).toEqual(['tus-resumable', 'upload-offset']);
    expect(headersOf(patch)['upload-offset']).toMatchObject({
      required: true,
      schema: { type: 'integer', minimum: 0 },
    });
    const bytes = { 'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } } };
    expect(create.requestBody).toMatchObject({ required: false, content: bytes });
    expect(patch.requestBody).toMatchObject({ required: true, content: bytes });
    expect(Object.keys(create.responses[201].headers)).toEqual([
      'Location',
      'Upload-Offset',
      'Upload-Expires',
      'Tus-Resumable',
    ]);
    expect(create.responses[201]).not.toHaveProperty('content');
  });

  it('refers to the named schemas of the contract, nested ones included', () => {
    const { schemas } = fresh.components;
    expect(fresh.paths['/api/user/{user_name}/videos'].get.responses[200].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/VideoPage',
    });
    expect(schemas.VideoPage.properties.videos.items).toEqual({ $ref: '#/components/schemas/Video' });
    expect(schemas.CommentPage.properties.comments.items).toEqual({ $ref: '#/components/schemas/Comment' });
    expect(schemas.Video.properties.status.enum).toEqual(['pending', 'ready', 'deleting']);
  });

  it('takes its version from @vodkit/core and its operation ids from the contract', () => {
    expect(fresh.info.version).toBe(JSON.parse(file('packages/core/package.json')).version);
    expect(fresh.paths['/api/videos/{vid}'].delete.operationId).toBe('api.deleteVideo');
    expect(fresh.paths['/scheduler/videos/{vid}'].delete.operationId).toBe('scheduler.deleteVideo');
    expect(Object.keys(contract)).toEqual(fresh.tags.map((tag: { name: string }) => tag.name));
  });

  it('names a server, a licence with its text, and an operationId for each operation', () => {
    expect(fresh.servers).toEqual([
      { url: 'http://127.0.0.1:8000', description: expect.stringContaining('`pnpm start`') },
    ]);
    expect(fresh.info.license).toEqual({ name: 'MIT', url: 'https://spdx.org/licenses/MIT.html' });
    const ids = Object.values(fresh.paths).flatMap((item) =>
      Object.values(item as Record<string, { operationId: string }>).map((operation) => operation.operationId),
    );
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("passes Redocly's recommended rules with no error and no warning (redocly.yaml)", () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'vodkit-openapi-'));
    try {
      const documentFile = join(dir, 'openapi.json');
      writeFileSync(documentFile, JSON.stringify(fresh));
      const cli = join(root, 'node_modules/@redocly/cli/bin/cli.js');
      const lint = spawnSync(process.execPath, [cli, 'lint', '--format=json', '--config=redocly.yaml', documentFile], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      });
      const report = JSON.parse(lint.stdout);
      expect(report.problems).toEqual([]);
      expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
      expect(lint.status, lint.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
