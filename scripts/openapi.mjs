// The OpenAPI document of vodkit, generated from the ts-rest contract.
//
// @ts-rest/open-api turns the zod schemas of the contract into JSON Schema. What it cannot see
// (bytes instead of JSON, headers of answers, who may call a route) is added here, from the
// routes' metadata and statuses. A route this file does not know how to describe stops the
// generation with an error rather than being described wrongly.
//
// ts-rest declares no HEAD or OPTIONS route, so tus's are GET routes with their real method in
// `metadata.method`. @ts-rest/open-api files them under `get` (two of them at one path, so one
// would hide the other); the paths are therefore put together here, each operation under the
// method the server serves it with.
//
// The document passes Redocly's recommended rules with no error or warning (`pnpm docs:lint`,
// redocly.yaml; test/docs/openapi.test.ts checks it): fix what they find here, not in the JSON.

import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { generateOpenApi } from '@ts-rest/open-api';
import * as contractModule from '@vodkit/contract';
import { defaults } from '@vodkit/core';
import { routeMethod } from './http-reference.mjs';

const { contract, TUS_BYTES_TYPE, TUS_EXTENSIONS, TUS_VERSION } = contractModule;

const corePackage = JSON.parse(readFileSync(new URL('../packages/core/package.json', import.meta.url), 'utf8'));

/** @typedef {Record<string, any>} Json */

/** The methods an OpenAPI path item has operations for. */
const openApiMethods = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'];

const json = 'application/json';
const binary = { type: 'string', format: 'binary' };

/** Who may call a route, from `metadata.auth` in the contract; a route without it is open to anyone. */
const securityByAuth = {
  session: [{ sessionHeader: [] }, { sessionBearer: [] }],
  scheduler: [{ schedulerToken: [] }],
};

/** Where `pnpm start` listens when given no --host or --port. */
const servers = [
  {
    url: `http://${defaults.host}:${defaults.port}`,
    description: 'The default of `pnpm start` (all services on one instance); `--host` and `--port` change it.',
  },
];

/** The SPDX licence of @vodkit/core, with the page of its text. */
const license = (/** @type {string} */ id) => ({ name: id, url: `https://spdx.org/licenses/${id}.html` });

const securitySchemes = {
  sessionHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Session-Id',
    description: 'The `session_id` from register or login.',
  },
  sessionBearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'The same session token as `Authorization: Bearer <session_id>`.',
  },
  schedulerToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The scheduler token (`--scheduler-token`), for operators and other services. A session token is refused.',
  },
};

const tags = [
  { name: 'api', description: 'Accounts, sessions, videos and comments.' },
  { name: 'stream', description: 'Video files: download with Range, and upload. Limited by stream tokens.' },
  {
    name: 'resumable',
    description: `Resumable uploads on the stream service: tus ${TUS_VERSION} with the extensions ${TUS_EXTENSIONS.join(', ')}. POST and PATCH take a stream token. Every answer, errors included, carries \`Tus-Resumable: ${TUS_VERSION}\`.`,
  },
  { name: 'scheduler', description: 'Queued, retried deletion of videos and their files. For operators.' },
  { name: 'health', description: 'Served by every instance, whatever its services.' },
];

const description = `The HTTP surface of vodkit, generated from its ts-rest contract.

- JSON bodies are \`application/json; charset=utf-8\`.
- Every error is \`{ "error": { "code", "message", "details"? } }\`. The \`code\` is stable; each status lists the codes it can carry.
- Routes that need a session take its token as \`X-Session-Id\` or \`Authorization: Bearer\`.
- HEAD is accepted wherever GET is. It answers the same headers, without a body.
- Resumable uploads speak tus ${TUS_VERSION} (creation, creation-with-upload, termination, expiration). Their successes have no body; their errors have the one JSON shape.

See docs/http.md for when each status is answered.`;

/** @param {string} text */
const header = (text, schema = { type: 'string' }) => ({ description: text, schema });

/** Headers sent with the bytes of a video (200 and 206) and with 304. */
const fileHeaders = {
  'Accept-Ranges': header('Always `bytes`.'),
  ETag: header('Strong tag of the stored file: `"<size hex>-<mtime ms hex>"`. The same on every instance.'),
  'Last-Modified': header('Modification time of the stored file.'),
};

/** Headers that depend on the status, whatever the route. */
const headersByStatus = {
  200: {
    ...fileHeaders,
    'Content-Length': header('Size of the file in bytes.', { type: 'integer' }),
  },
  206: {
    ...fileHeaders,
    'Content-Length': header('Size of this answer in bytes.', { type: 'integer' }),
    'Content-Range': header('`bytes a-b/size` for one range. Absent with `multipart/byteranges`.'),
  },
  304: fileHeaders,
  416: { 'Content-Range': header('`bytes */size`: the size of the file, so a client can ask again.') },
  429: {
    'Retry-After': header('Seconds to wait before retrying (1).', { type: 'integer' }),
  },
};

/** What a 200 or 206 with the bytes of a video carries. */
const videoContent = (/** @type {string} */ contentType) => ({
  [contentType]: {
    schema: {
      ...binary,
      description: 'The stored type: video/mp4, video/quicktime, video/webm, video/x-matroska or video/ogg.',
    },
  },
});

const successText = {
  200: 'OK',
  201: 'Created',
  204: 'Done; no body',
  304: 'Not modified: the copy the client has is current',
};

/** What a status means, with the error codes its body can carry. */
const describeStatus = (/** @type {string} */ status, /** @type {string[]} */ codes) => {
  const number = Number(status);
  if (number < 400)
    return successText[/** @type {keyof typeof successText} */ (number)] ?? STATUS_CODES[number] ?? status;
  if (codes.length === 0) return STATUS_CODES[number] ?? status;
  const list = codes.map((code) => `\`${code}\``);
  const which = list.length === 1 ? `is ${list[0]}` : `is one of ${list.join(', ')}`;
  return `${STATUS_CODES[number]}: \`error.code\` ${which}.`;
};

/** Descriptions of the request headers the contract declares. */
const requestHeaderText = {
  range: 'Byte ranges: `bytes=a-b`, `bytes=a-` or `bytes=-n`; up to 16, separated by commas.',
  'if-range': 'An ETag or a Last-Modified date. The Range applies only while it is current.',
  'if-none-match': 'ETags the client has. 304 when one matches.',
  'if-modified-since': 'A date. 304 when the file is not newer. Ignored when If-None-Match is sent.',
  'tus-resumable': `The tus version the client speaks. Anything but \`${TUS_VERSION}\` is 412.`,
  'upload-length':
    'The size of the whole file in bytes, 1 to Tus-Max-Size (413 above it). Upload-Defer-Length is not offered.',
  'upload-offset':
    "Where the bytes of this request start: the upload's offset, as HEAD or the last answer gave it. Another number is 409.",
  'upload-metadata': 'tus metadata: `key base64-value` pairs, comma-separated. Accepted, not stored.',
};

/** A count of bytes sent as decimal digits: what the contract's transform turns into a number. */
const byteCount = (/** @type {number} */ minimum) => ({ type: 'integer', minimum, maximum: Number.MAX_SAFE_INTEGER });

/**
 * Schemas of request headers whose zod schema has no JSON Schema of its own (a transform). The
 * generator stops on such a header that is not listed here.
 */
const requestHeaderSchema = {
  'tus-resumable': { type: 'string', enum: [TUS_VERSION] },
  'upload-length': byteCount(1),
  'upload-offset': byteCount(0),
};

/** @param {unknown} value */
const isZod = (value) => typeof (/** @type {any} */ (value)?.safeParse) === 'function';

/** A response declared with `c.otherResponse` whose body is bytes, not a zod schema. */
const isBytes = (/** @type {any} */ response) =>
  typeof response === 'object' && response !== null && 'contentType' in response && !isZod(response.body);

/** The zod schemas the contract exports by name, which become `components.schemas`. */
const schemaNames = new Map(
  Object.entries(contractModule)
    .filter(([name, value]) => /^[A-Z]/.test(name) && isZod(value))
    .map(([name, value]) => [value, name]),
);

/** The upload body has no zod schema (it is bytes); this is what it is. */
const uploadBody = {
  description:
    'The file, as raw bytes with `Content-Type: video/*`, or as `multipart/form-data` with the file in the field `file` (other fields are skipped). MP4, MOV, WebM, Matroska or Ogg, recognised from the first bytes.',
  required: true,
  content: {
    'video/*': { schema: binary },
    'multipart/form-data': {
      schema: { type: 'object', properties: { file: binary }, required: ['file'] },
      encoding: { file: { contentType: 'video/*' } },
    },
  },
};

/** A body of raw bytes, as tus sends them. */
const tusBytes = (/** @type {string} */ text, /** @type {boolean} */ required) => ({
  description: text,
  required,
  content: { [TUS_BYTES_TYPE]: { schema: binary } },
});

/**
 * The bodies that are bytes, not JSON, by route: none has a zod schema.
 * @type {Map<unknown, Json>}
 */
const bytesBodies = new Map(
  /** @type {[unknown, Json][]} */ ([
    [contract.stream.uploadVideo, uploadBody],
    [
      contract.resumable.createUpload,
      tusBytes(
        'creation-with-upload: the first bytes of the file, from offset 0, as much of it as the client likes. Without a body the upload is created empty.',
        false,
      ),
    ],
    [
      contract.resumable.appendUpload,
      tusBytes(
        'The next bytes of the file, from Upload-Offset. They need not reach the end: what arrives is kept, and the next PATCH goes on from there. The first 64 bytes of the file must show a video container.',
        true,
      ),
    ],
  ]),
);

/** Headers of the tus answers that many answers carry: `components.headers`, referred to by name. */
const sharedHeaders = {
  TusResumable: header(`Always \`${TUS_VERSION}\`, on every answer of a tus route, errors included.`),
  TusVersion: header(`\`${TUS_VERSION}\`, the one tus version spoken here.`),
  UploadOffset: header('How many bytes of the file the server has.', { type: 'integer' }),
  UploadExpires: header(
    'When the unfinished upload expires (an HTTP date): `--resumable-expiry` (default 24 h) after its last recorded bytes. Its bytes are removed after that.',
  ),
};

const ref = (/** @type {keyof typeof sharedHeaders} */ name) => ({ $ref: `#/components/headers/${name}` });

/** Headers on the answers of the tus routes. */
const tus = {
  resumable: ref('TusResumable'),
  version: ref('TusVersion'),
  offset: ref('UploadOffset'),
  length: header('The size of the whole file, as given at creation.', { type: 'integer' }),
  expires: ref('UploadExpires'),
};

/** What tus discovery (OPTIONS) answers. */
const discoveryHeaders = {
  'Tus-Version': tus.version,
  'Tus-Extension': header(`\`${TUS_EXTENSIONS.join(',')}\`.`),
  'Tus-Max-Size': header('The largest upload in bytes (`--max-upload-bytes`).', { type: 'integer' }),
};

/** A 409 of an upload of bytes may say when to try again. */
const alreadyUploadedHeaders = {
  'Retry-After': header('With `ALREADY_UPLOADED`, while another upload of the video may still be finishing.', {
    type: 'integer',
  }),
};

/**
 * Answers of tus routes: what a status means there (where the generic text says too little), and its
 * headers besides `Tus-Resumable`.
 * @type {Map<unknown, Record<string, { text?: string, headers?: Json }>>}
 */
const tusAnswers = new Map(
  /** @type {[unknown, Record<string, { text?: string, headers?: Json }>][]} */ ([
    [contract.resumable.discoverCreation, { 204: { text: 'What this server offers', headers: discoveryHeaders } }],
    [contract.resumable.discoverUpload, { 204: { text: 'What this server offers', headers: discoveryHeaders } }],
    [
      contract.resumable.createUpload,
      {
        201: {
          text: 'Created: the upload is at Location. With creation-with-upload, Upload-Offset counts the bytes kept.',
          headers: {
            Location: header('The URL of the upload, `/upload/resumable/<upload_id>`, on this origin.'),
            'Upload-Offset': tus.offset,
            'Upload-Expires': tus.expires,
          },
        },
        409: { headers: alreadyUploadedHeaders },
      },
    ],
    [
      contract.resumable.uploadOffset,
      {
        200: {
          text: 'The upload, in headers',
          headers: {
            'Upload-Offset': tus.offset,
            'Upload-Length': tus.length,
            'Upload-Expires': tus.expires,
            'Cache-Control': header('Always `no-store`: the offset changes.'),
          },
        },
      },
    ],
    [
      contract.resumable.appendUpload,
      {
        204: {
          text: 'Appended; the last byte makes the video ready',
          headers: { 'Upload-Offset': tus.offset, 'Upload-Expires': tus.expires },
        },
        409: {
          headers: {
            'Upload-Offset': header("With `UPLOAD_OFFSET_MISMATCH`: the upload's offset, to send from.", {
              type: 'integer',
            }),
            'Retry-After': header('With `UPLOAD_LOCKED`: seconds before trying again (1).', { type: 'integer' }),
          },
        },
      },
    ],
    [contract.resumable.terminateUpload, { 204: { text: 'Ended; the bytes are removed' } }],
  ]),
);

/** Headers on every 412 (wrong tus version). */
const tusVersionHeaders = { 'Tus-Version': tus.version };

/**
 * Builds the document; `components` is filled while the operations are mapped.
 * @returns {Json}
 */
export function openApiDocument() {
  /** @type {Record<string, Json>} */
  const schemas = {};

  /** Moves a schema into `components.schemas` under `name` and returns a reference to it. */
  const component = (/** @type {string} */ name, /** @type {Json} */ schema) => {
    if (name in schemas && !deepEqual(schemas[name], schema)) {
      throw new Error(`Two different schemas are both named ${name}; give one of them another name in the contract.`);
    }
    schemas[name] = schema;
    return { $ref: `#/components/schemas/${name}` };
  };

  /**
   * Every operation, in contract order, under the method it is served with.
   * @type {{ path: string, method: string, operation: Json }[]}
   */
  const operations = [];

  /** @type {(generated: any, route: any) => any} */
  const mapOperation = (generated, route) => {
    const method = routeMethod(route);
    const where = `${method} ${route.path}`;
    if (!openApiMethods.includes(method)) throw new Error(`${where}: OpenAPI has no ${method} operation`);
    const isTus = Object.values(contract.resumable).includes(route);
    const { operationId, summary, tags: operationTags, parameters, requestBody, responses } = generated;
    /** @type {Json} */
    const operation = { operationId, summary, tags: operationTags };

    const auth = route.metadata?.auth;
    if (auth === undefined) {
      operation.security = []; // open to anyone, said outright (Redocly's security-defined)
    } else {
      const security = securityByAuth[/** @type {keyof typeof securityByAuth} */ (auth)];
      if (!security) throw new Error(`${where}: unknown metadata.auth ${JSON.stringify(auth)}`);
      operation.security = security;
    }

    /** Content-Type is said by the request body; OpenAPI ignores it as a header parameter. */
    let contentTypeHeader = false;
    const kept = parameters.filter((/** @type {Json} */ parameter) => {
      if (parameter.in === 'path' && parameter.name === 'vid') parameter.description = 'Video id, a UUID.';
      if (parameter.in === 'path' && parameter.name === 'upload_id') {
        parameter.description = 'Upload id: the last segment of the Location the creation answered.';
      }
      if (parameter.in === 'query' && parameter.name === 'cursor') {
        parameter.description = 'The `next_cursor` of the previous page.';
      }
      if (parameter.in !== 'header') return true;
      if (parameter.name === 'content-type') {
        contentTypeHeader = true;
        return false;
      }
      const { description: zodText, ...schema } = parameter.schema ?? {};
      const text = requestHeaderText[/** @type {keyof typeof requestHeaderText} */ (parameter.name)] ?? zodText;
      if (text) parameter.description = text;
      const known = requestHeaderSchema[/** @type {keyof typeof requestHeaderSchema} */ (parameter.name)];
      if (known) parameter.schema = known;
      else if (schema.type) parameter.schema = schema;
      else throw new Error(`${where}: header ${parameter.name} has no schema; describe it in scripts/openapi.mjs`);
      return true;
    });
    if (kept.length > 0) operation.parameters = kept;

    const noBody =
      route.body === undefined || (typeof route.body === 'symbol' && route.body.description === 'ContractNoBody');
    if (requestBody) {
      const name = schemaNames.get(route.body);
      const media = requestBody.content[json];
      if (name && media) media.schema = component(name, media.schema);
      operation.requestBody = { required: true, content: requestBody.content };
    } else if (bytesBodies.has(route)) {
      operation.requestBody = bytesBodies.get(route);
    } else if (!noBody) {
      throw new Error(`${where}: a body without a zod schema; describe it in scripts/openapi.mjs`);
    }
    if (contentTypeHeader && !operation.requestBody) {
      throw new Error(`${where}: a Content-Type header without a body; describe it in scripts/openapi.mjs`);
    }

    for (const [status, response] of Object.entries(route.responses)) {
      const answer = responses[status];
      const media = answer.content?.[json];
      const bytes = isBytes(response);
      answer.description = describeStatus(status, media?.schema?.properties?.error?.properties?.code?.enum ?? []);
      if (media) {
        const name = schemaNames.get(response) ?? (Number(status) >= 400 ? `Error${status}` : undefined);
        if (name) media.schema = component(name, media.schema);
      } else if (bytes) {
        if (!/^video\//.test(response.contentType)) {
          throw new Error(`${where}: ${status} answers ${response.contentType}; describe it in scripts/openapi.mjs`);
        }
        if (status === '200') answer.description = 'The whole file';
        if (status === '206') answer.description = 'One range of the file, or several as multipart/byteranges';
        answer.content = videoContent(response.contentType);
        if (status === '206') {
          answer.content['multipart/byteranges'] = {
            schema: {
              ...binary,
              description: 'Several ranges, each part with its own Content-Type and Content-Range.',
            },
          };
        }
      } else if (response && typeof response === 'object' && 'contentType' in response) {
        throw new Error(`${where}: ${status} is an otherResponse; describe it in scripts/openapi.mjs`);
      }
      // 200 and 206 carry the file's headers only when they carry the file; 304, 416 and 429 always do.
      const headers = headersByStatus[/** @type {keyof typeof headersByStatus} */ (Number(status))];
      if (headers && (bytes || !['200', '206'].includes(status))) answer.headers = headers;
      if (route === contract.stream.uploadVideo && status === '409') answer.headers = alreadyUploadedHeaders;
      if (isTus) {
        const own = tusAnswers.get(route)?.[status];
        if (own?.text) answer.description = own.text;
        answer.headers = {
          ...answer.headers,
          ...own?.headers,
          ...(status === '412' ? tusVersionHeaders : {}),
          'Tus-Resumable': tus.resumable,
        };
      }
      // A HEAD answer has no body, errors included: the status (and the headers) are all it says.
      if (method === 'HEAD') {
        delete answer.content;
        if (Number(status) >= 400) answer.description = `${STATUS_CODES[Number(status)]}, without a body (HEAD).`;
      }
    }
    // Every route refuses a request whose Host header or path no route takes, before the route
    // sees it (docs/http.md, Conventions). Routes whose contract has no 4xx say so here.
    if (!Object.keys(responses).some((status) => status.startsWith('4'))) {
      responses[400] = {
        description:
          'Bad Request: `error.code` is `VALIDATION`, for a `Host` header or a path that no route takes (details path `headers.host` or `path`).',
        content: { [json]: { schema: { $ref: '#/components/schemas/Error400' } } },
      };
    }
    operation.responses = responses;

    const path = route.path.replace(/:(\w+)/g, '{$1}');
    operations.push({ path, method: method.toLowerCase(), operation });
    // Players probe a file with HEAD before they stream it, so HEAD is described right after GET.
    const answersBytes = Object.values(route.responses).some(isBytes);
    if (method === 'GET' && answersBytes) operations.push({ path, method: 'head', operation: headOf(operation) });
    return operation;
  };

  const document = generateOpenApi(
    contract,
    {
      info: {
        title: 'vodkit',
        version: corePackage.version,
        description,
        license: license(corePackage.license),
      },
      tags,
    },
    { setOperationId: 'concatenated-path', operationMapper: mapOperation },
  );

  /** @type {Record<string, Record<string, Json>>} */
  const paths = {};
  for (const { path, method, operation } of operations) {
    paths[path] ??= {};
    const item = paths[path];
    if (method in item) throw new Error(`Two routes are ${method.toUpperCase()} ${path}`);
    item[method] = operation;
  }
  if (Object.keys(paths).join() !== Object.keys(document.paths).join()) {
    throw new Error('The paths put together here are not the ones @ts-rest/open-api found');
  }

  if (!('Error400' in schemas))
    throw new Error('No route of the contract answers 400; describe Error400 in scripts/openapi.mjs');

  // A schema used inside another one (Video in VideoPage) is referenced there too.
  const originals = structuredClone(schemas);
  for (const [name, schema] of Object.entries(schemas)) schemas[name] = referToComponents(schema, originals);

  return {
    openapi: document.openapi,
    info: document.info,
    servers,
    tags: document.tags,
    paths,
    components: {
      securitySchemes,
      headers: sharedHeaders,
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    },
  };
}

/** The HEAD twin of a GET operation: the same statuses and headers, no bodies. */
function headOf(/** @type {Json} */ get) {
  const responses = Object.fromEntries(
    Object.entries(get.responses).map(([status, { content, ...rest }]) => [status, rest]),
  );
  const { operationId, summary, ...rest } = get;
  return {
    operationId: `${operationId}.head`,
    summary: 'The headers GET would send, without the body',
    description: 'The same statuses and headers as GET. Players use it to learn the size and type before they stream.',
    ...rest,
    responses,
  };
}

/** Replaces, inside `schema` but not `schema` itself, each subschema equal to a component with a reference to it. */
function referToComponents(/** @type {Json} */ schema, /** @type {Record<string, Json>} */ components) {
  /** @type {(value: any, top: boolean) => any} */
  const walk = (value, top) => {
    const match = top ? undefined : Object.keys(components).find((name) => deepEqual(components[name], value));
    if (match) return { $ref: `#/components/schemas/${match}` };
    if (Array.isArray(value)) return value.map((item) => walk(item, false));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, false)]));
    }
    return value;
  };
  return walk(schema, true);
}

/** @returns {boolean} */
function deepEqual(/** @type {unknown} */ a, /** @type {unknown} */ b) {
  return JSON.stringify(a) === JSON.stringify(b);
}
