import { connect } from 'node:net';
/*
 * Property-based fuzzing of every route of the contract, on one target per test file.
 *
 * VODKIT_FUZZ_SEED   an integer, or `random`; 20261123 by default, so runs repeat
 * VODKIT_FUZZ_RUNS   runs per route, for every route (the defaults are per target, in the test files)
 * VODKIT_FUZZ_PATH   with the seed, replays one counterexample: a failure prints both, and the command
 * VODKIT_FUZZ_VERBOSE  prints how often each route answered each status
 */
import { contract, errorCodes } from '@vodkit/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The router's own flattening: the routes fuzzed are the routes served, a route added later included.
import { type CompiledRoute, flattenContract } from '../../packages/core/src/http/router.js';
import type { StartTarget, Target, TargetOptions } from '../conformance/targets.js';
import {
  anyPathVariant,
  type BodyPlan,
  type Bytes,
  type Choice,
  Clip,
  chunking,
  clipBytes,
  credentialHeaders,
  type FormPlan,
  jsonContentType,
  methodFor,
  otherHeaders,
  type PathVariant,
  type Plan,
  paramArbitraries,
  queryFor,
  Ref,
  type RefName,
  Repeat,
  strayBody,
  type Text,
  TUS_BYTES,
  UPLOAD_LENGTH,
  UPLOAD_STARTED,
  unusualMethod,
} from './arbitraries.js';
import { type BodyWithType, routeFuzz, type Scope } from './routes.js';

const JSON_TYPE = 'application/json; charset=utf-8';
/** A request still unanswered after this long is a hang, and a failure. */
const ANSWER_WITHIN_MS = 5000;
const MAX_UPLOAD_BYTES = 200_000;
const PROPERTY_TIME_LIMIT_MS = 30_000;
/** Runs of the properties over every route at once (oversized heads, unusual methods). */
const EDGE_RUNS = 20;

export const options: TargetOptions = {
  // As many as one client may hold: the last test takes them all at once, so one never given back shows.
  streamTokens: 16,
  // Under the test clip (290 kB): the whole clip is a 413, its head an upload.
  maxUploadBytes: MAX_UPLOAD_BYTES,
  schedulerToken: 'fuzz-scheduler-token-0123456789',
};

/** Fixed by default so a run is repeatable; `VODKIT_FUZZ_SEED=random` for a new one each run. */
const DEFAULT_SEED = 20_261_123;

const seedFromEnv = () => {
  const text = process.env.VODKIT_FUZZ_SEED;
  if (text === undefined || text === '') return DEFAULT_SEED;
  if (text === 'random') return (Math.random() * 2 ** 31) | 0;
  if (!/^-?\d+$/.test(text)) throw new Error(`VODKIT_FUZZ_SEED must be an integer or "random" (got ${text})`);
  return Number(text);
};

const runsFromEnv = (fallback: number) => {
  const text = process.env.VODKIT_FUZZ_RUNS;
  if (text === undefined || text === '') return fallback;
  if (!/^[1-9]\d*$/.test(text)) throw new Error(`VODKIT_FUZZ_RUNS must be a positive integer (got ${text})`);
  return Number(text);
};

export const routes: CompiledRoute[] = flattenContract(contract);

// ---------------------------------------------------------------------------------------------
// Plans

const authOf = (route: CompiledRoute) => (route.route.metadata as { auth?: string } | undefined)?.auth;
const isSchema = (value: unknown) => typeof value === 'object' && value !== null && 'safeParse' in value;

/**
 * Every request a route may be sent, from its contract entry and its line in routes.ts: two in
 * five are well-formed in every part, so the handlers' success paths are reached; the others mix
 * valid and hostile parts freely.
 */
export function planFor(route: CompiledRoute): fc.Arbitrary<Plan> {
  const spec = routeFuzz[route.name];
  if (!spec) throw new Error(`No generator for ${route.name}: add it to test/fuzz/routes.ts`);
  const params: Record<string, Choice<Text>> = {};
  for (const name of route.paramNames) {
    const choice = spec.params?.[name] ?? paramArbitraries[name];
    if (!choice) throw new Error(`No generator for the path parameter :${name}: add it to test/fuzz/arbitraries.ts`);
    params[name] = choice;
  }
  const credential: RefName = authOf(route) === 'scheduler' ? 'scheduler.token' : 'me.session';
  const credentials = credentialHeaders(credential);
  // The method served (HEAD and OPTIONS routes are declared as GET, with theirs in metadata).
  const method = methodFor(route.method);
  const query = queryFor(isSchema(route.route.query));
  const bodies: Choice<BodyWithType | undefined> = spec.body ?? {
    valid: fc.constant(undefined),
    any: fc
      .tuple(strayBody, jsonContentType.any)
      .map(([body, contentType]) => (body ? { contentType, body } : undefined)),
  };
  const own = spec.headers ?? { valid: fc.constant([]), any: fc.constant([]) };

  const plan = (which: 'valid' | 'any') =>
    fc
      .record({
        method: method[which],
        params: fc.record(Object.fromEntries(Object.entries(params).map(([name, choice]) => [name, choice[which]]))),
        pathVariant: which === 'valid' ? fc.constant<PathVariant>('as-is') : anyPathVariant,
        query: query[which],
        credentials: credentials[which],
        own: own[which],
        other: which === 'valid' ? fc.constant([]) : otherHeaders,
        body: bodies[which],
        chunked: chunking,
      })
      .map(
        ({ credentials, own, other, body, ...rest }): Plan => ({
          ...rest,
          headers: [
            ...(body?.contentType !== undefined ? [['content-type', body.contentType] as const] : []),
            ...credentials,
            ...own,
            ...other,
          ],
          body: body?.body,
        }),
      );
  return fc.oneof({ weight: 2, arbitrary: plan('valid') }, { weight: 3, arbitrary: plan('any') });
}

// ---------------------------------------------------------------------------------------------
// The world a plan's refs name

interface Party {
  name: string;
  pwd: string;
  session: string;
}

interface World {
  alice: Party;
  bob: Party;
  /** Logged into by the login route only. */
  spare: Party;
  /** Deleted: its name is free, its session dead. */
  ghost: Party;
  revokedSession: string;
  videos: Record<'minePending' | 'mineReady' | 'otherPending' | 'otherReady' | 'deleted' | 'queued', string>;
  cursors: { videos: string; comments: string };
  file: { etag: string; lastModified: string };
}

interface Answer {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

const utf8 = new TextEncoder();

/** One request that sets up state, as `METHOD /path`; any status but `expected` stops the run. */
async function setup(target: Target, line: string, expected: number, init: RequestInit = {}) {
  const [method, path] = line.split(' ') as [string, string];
  const response = await target.fetch(path, { ...init, method, signal: AbortSignal.timeout(ANSWER_WITHIN_MS * 2) });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`setup: ${line} answered ${response.status} ${text}`);
  return { headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

const jsonInit = (value: unknown, session?: string): RequestInit => ({
  headers: { 'content-type': 'application/json', ...(session ? { 'x-session-id': session } : {}) },
  body: JSON.stringify(value),
});

let userCount = 0;
const runId = Date.now().toString(36);

async function newParty(target: Target, tag: string): Promise<Party> {
  userCount += 1;
  const name = `fz${tag}${runId}x${userCount}`;
  const pwd = `pw of ${name}, correct`;
  const { json } = await setup(target, 'POST /api/register', 201, jsonInit({ user_name: name, pwd }));
  return { name, pwd, session: json.session_id };
}

async function newVideo(target: Target, owner: Party): Promise<string> {
  const init = jsonInit({ name: 'fuzz' }, owner.session);
  return (await setup(target, `POST /api/user/${owner.name}/videos`, 201, init)).json.id;
}

async function newReadyVideo(target: Target, owner: Party, bytes: Uint8Array, type: string) {
  const id = await newVideo(target, owner);
  // A 429 here means earlier requests still hold every stream token: see the failure that left them hanging.
  await setup(target, `POST /upload/videos/${id}`, 200, {
    headers: { 'content-type': type, 'x-session-id': owner.session },
    body: bytes as BodyInit,
  });
  return id;
}

/**
 * A resumable upload of UPLOAD_LENGTH bytes of a new pending video of `owner`, made over tus with
 * its first `first` bytes of the clip (creation-with-upload); `ended` terminates it. Its id.
 */
async function newUpload(target: Target, owner: Party, first = 0, ended = false): Promise<string> {
  const vid = await newVideo(target, owner);
  const headers: Record<string, string> = {
    'tus-resumable': '1.0.0',
    'upload-length': String(UPLOAD_LENGTH),
    'x-session-id': owner.session,
  };
  if (first > 0) headers['content-type'] = TUS_BYTES;
  const init: RequestInit = { headers, ...(first > 0 ? { body: clipBytes.slice(0, first) as BodyInit } : {}) };
  const created = await setup(target, `POST /upload/videos/${vid}/resumable`, 201, init);
  const location = created.headers.get('location') ?? '';
  const offset = created.headers.get('upload-offset');
  if (!/^\/upload\/resumable\/[0-9a-f]{32}$/.test(location) || offset !== String(first)) {
    throw new Error(`setup: a tus creation answered Location ${location}, Upload-Offset ${offset}`);
  }
  if (ended) {
    const tus = { 'tus-resumable': '1.0.0', 'x-session-id': owner.session };
    await setup(target, `DELETE ${location}`, 204, { headers: tus });
  }
  return location.slice('/upload/resumable/'.length);
}

const clipHead = clipBytes.subarray(0, 65_536);
const webm = Uint8Array.from([
  0x1a,
  0x45,
  0xdf,
  0xa3,
  0x88,
  0x42,
  0x82,
  0x84,
  ...utf8.encode('webm'),
  ...new Uint8Array(4000),
]);

/**
 * The state the plans name: users with sessions (one logged out, one deleted), videos in every
 * state (pending, ready, deleted, queued for the scheduler), comments, and what pages and the
 * stream hand back (cursors, the file's validators).
 */
async function buildWorld(target: Target): Promise<World> {
  const [alice, bob, spare, ghost, revoker] = await Promise.all(
    ['alice', 'bob', 'spare', 'ghost', 'revoker'].map((tag) => newParty(target, tag)),
  );
  if (!alice || !bob || !spare || !ghost || !revoker) throw new Error('setup: users');
  const as = (party: Party) => ({ headers: { 'x-session-id': party.session } });
  await setup(target, `DELETE /api/user/${ghost.name}`, 204, jsonInit({ pwd: ghost.pwd }, ghost.session));
  await setup(target, 'POST /api/logout', 204, as(revoker));

  const minePending = await newVideo(target, alice);
  const mineReady = await newReadyVideo(target, alice, clipHead, 'video/mp4');
  const otherPending = await newVideo(target, bob);
  const otherReady = await newReadyVideo(target, bob, webm, 'video/webm');
  const deleted = await newReadyVideo(target, alice, clipHead.subarray(0, 1000), 'video/mp4');
  await setup(target, `DELETE /api/videos/${deleted}`, 204, as(alice));
  const queued = await newVideo(target, bob);
  await setup(target, `DELETE /scheduler/videos/${queued}`, 200, {
    headers: { authorization: `Bearer ${options.schedulerToken}` },
  });
  for (const [who, content] of [
    [alice, 'first'],
    [bob, 'second'],
    [alice, 'third'],
  ] as const) {
    await setup(target, `POST /api/videos/${mineReady}/comments`, 201, jsonInit({ content }, who.session));
  }
  const videoPage = await setup(target, `GET /api/user/${alice.name}/videos?limit=1`, 200);
  const commentPage = await setup(target, `GET /api/videos/${mineReady}/comments?limit=1`, 200);
  const head = await setup(target, `HEAD /stream/videos/${mineReady}`, 200);
  return {
    alice,
    bob,
    spare,
    ghost,
    revokedSession: revoker.session,
    videos: { minePending, mineReady, otherPending, otherReady, deleted, queued },
    cursors: { videos: videoPage.json.next_cursor, comments: commentPage.json.next_cursor },
    file: { etag: head.headers.get('etag') ?? '', lastModified: head.headers.get('last-modified') ?? '' },
  };
}

/** Resolves the refs of one plan; what the scope says is made fresh is made once per plan, when first named. */
class Resolver {
  private readonly parties = new Map<'me' | 'other', Promise<Party>>();
  private readonly videos = new Map<string, Promise<string>>();
  private readonly uploads = new Map<string, Promise<string>>();

  constructor(
    private readonly target: Target,
    private readonly world: World,
    private readonly scope: Scope,
  ) {}

  private party(who: 'me' | 'other'): Promise<Party> {
    if (this.scope !== 'fresh-users') return Promise.resolve(who === 'me' ? this.world.alice : this.world.bob);
    let party = this.parties.get(who);
    if (!party) {
      party = newParty(this.target, who);
      this.parties.set(who, party);
    }
    return party;
  }

  private video(who: 'me' | 'other', state: 'pending' | 'ready'): Promise<string> {
    if (this.scope === 'shared') {
      const { videos } = this.world;
      return Promise.resolve(
        who === 'me'
          ? state === 'ready'
            ? videos.mineReady
            : videos.minePending
          : state === 'ready'
            ? videos.otherReady
            : videos.otherPending,
      );
    }
    const key = `${who}.${state}`;
    let video = this.videos.get(key);
    if (!video) {
      video = this.party(who).then((owner) =>
        state === 'ready' ? newReadyVideo(this.target, owner, clipHead, 'video/mp4') : newVideo(this.target, owner),
      );
      this.videos.set(key, video);
    }
    return video;
  }

  /** Uploads are made for each plan that names one, whatever its scope: a plan may fill or end it. */
  private upload(name: RefName, who: 'me' | 'other', first = 0, ended = false): Promise<string> {
    let upload = this.uploads.get(name);
    if (!upload) {
      upload = this.party(who).then((owner) => newUpload(this.target, owner, first, ended));
      this.uploads.set(name, upload);
    }
    return upload;
  }

  async ref({ name, upper }: Ref): Promise<string> {
    const value = await this.lookup(name);
    return upper ? value.toUpperCase() : value;
  }

  private async lookup(name: RefName): Promise<string> {
    const { world } = this;
    switch (name) {
      case 'me.name':
        return (await this.party('me')).name;
      case 'me.pwd':
        return (await this.party('me')).pwd;
      case 'me.session':
        return (await this.party('me')).session;
      case 'other.name':
        return (await this.party('other')).name;
      case 'other.session':
        return (await this.party('other')).session;
      case 'spare.name':
        return world.spare.name;
      case 'spare.pwd':
        return world.spare.pwd;
      case 'ghost.name':
        return world.ghost.name;
      case 'ghost.session':
        return world.ghost.session;
      case 'revoked.session':
        return world.revokedSession;
      case 'scheduler.token':
        return options.schedulerToken;
      case 'video.mine.pending':
        return this.video('me', 'pending');
      case 'video.mine.ready':
        return this.video('me', 'ready');
      case 'video.other.pending':
        return this.video('other', 'pending');
      case 'video.other.ready':
        return this.video('other', 'ready');
      case 'video.deleted':
        return world.videos.deleted;
      case 'video.queued':
        return world.videos.queued;
      case 'cursor.videos':
        return world.cursors.videos;
      case 'cursor.comments':
        return world.cursors.comments;
      case 'file.etag':
        return world.file.etag;
      case 'file.lastModified':
        return world.file.lastModified;
      case 'upload.mine':
        return this.upload(name, 'me');
      case 'upload.mine.started':
        return this.upload(name, 'me', UPLOAD_STARTED);
      case 'upload.mine.finished':
        return this.upload(name, 'me', UPLOAD_LENGTH);
      case 'upload.mine.ended':
        return this.upload(name, 'me', 0, true);
      case 'upload.other':
        return this.upload(name, 'other');
    }
  }

  /** Text as written; in a path segment (`encodeRefs`), the refs percent-encoded. */
  async text(text: Text, encodeRefs = false): Promise<string> {
    const pieces = typeof text === 'string' || !Array.isArray(text) ? [text as string | Ref | Repeat] : text;
    let out = '';
    for (const piece of pieces) {
      if (typeof piece === 'string') out += piece;
      else if (piece instanceof Repeat) out += piece.text.repeat(piece.count);
      else {
        const value = await this.ref(piece);
        out += encodeRefs ? encodeURIComponent(value) : value;
      }
    }
    return out;
  }

  async json(value: unknown): Promise<unknown> {
    if (value instanceof Ref) return this.ref(value);
    if (value instanceof Repeat) return value.text.repeat(value.count);
    if (Array.isArray(value)) return Promise.all(value.map((item) => this.json(item)));
    if (typeof value === 'object' && value !== null) {
      const entries = await Promise.all(
        Object.entries(value).map(async ([key, item]) => [key, await this.json(item)] as const),
      );
      // fromEntries makes `__proto__` an own key, as JSON.parse would.
      return Object.fromEntries(entries);
    }
    return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Plans made concrete

interface Concrete {
  method: string;
  path: string;
  headers: [string, string][];
  body: Uint8Array | undefined;
  chunked: number | undefined;
}

const bytesOf = (bytes: Bytes): Uint8Array => {
  if (typeof bytes === 'string') return utf8.encode(bytes);
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof Repeat) return utf8.encode(bytes.text.repeat(bytes.count));
  if (bytes instanceof Clip) return clipBytes.subarray(0, bytes.bytes);
  return concat((bytes as readonly Bytes[]).map(bytesOf));
};

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((size, part) => size + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
};

const formBytes = (form: FormPlan) => {
  const parts: Bytes[] = [form.preamble];
  for (const part of form.parts) {
    let head = `--${form.boundary}\r\nContent-Disposition: form-data`;
    if (part.name !== undefined) head += `; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.type !== undefined) head += `Content-Type: ${part.type}\r\n`;
    parts.push(`${head}\r\n`, part.data, '\r\n');
  }
  if (form.closed) parts.push(`--${form.boundary}--\r\n`, form.epilogue);
  return bytesOf(parts);
};

async function bodyBytes(body: BodyPlan, resolver: Resolver): Promise<Uint8Array> {
  switch (body.kind) {
    case 'json': {
      let text = JSON.stringify(await resolver.json(body.value));
      const { afterOpen, beforeClose, cut, prefix } = body.edit ?? {};
      if (afterOpen !== undefined) text = `{${afterOpen}${text.slice(1)}`;
      if (beforeClose !== undefined) text = `${text.slice(0, -1)}${beforeClose}}`;
      if (cut !== undefined) text = text.slice(0, Math.max(0, text.length - cut));
      return utf8.encode(`${prefix ?? ''}${text}`);
    }
    case 'bytes':
      return bytesOf(body.bytes);
    case 'multipart':
      return formBytes(body.form);
  }
}

const literal = (segment: string, variant: PathVariant) => {
  if (variant === 'upper-case') return segment.toUpperCase();
  if (variant === 'encoded-literal' && segment.length > 0) {
    return `%${segment.charCodeAt(0).toString(16).toUpperCase()}${segment.slice(1)}`;
  }
  return segment;
};

async function pathOf(route: CompiledRoute, plan: Plan, resolver: Resolver) {
  const segments: string[] = [];
  for (const segment of route.route.path.split('/')) {
    if (segment.startsWith(':')) segments.push(await resolver.text(plan.params[segment.slice(1)] ?? '', true));
    else segments.push(literal(segment, plan.pathVariant));
  }
  let path = segments.join('/');
  if (plan.pathVariant === 'trailing-slash') path += '/';
  if (plan.pathVariant === 'double-slash') path = path.replace(/^(\/[^/]*)\//, '$1//');
  if (plan.pathVariant === 'extra-segment') path += '/x';
  if (plan.pathVariant === 'dot-segment') path += '/..';
  if (Array.isArray(plan.query)) {
    const pairs: string[] = [];
    for (const [key, value] of plan.query) {
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(await resolver.text(value))}`);
    }
    path += `?${pairs.join('&')}`;
  } else if (plan.query && 'raw' in plan.query) path += `?${plan.query.raw}`;
  return path;
}

async function concrete(route: CompiledRoute, plan: Plan, resolver: Resolver): Promise<Concrete> {
  const headers: [string, string][] = [];
  for (const [name, value] of plan.headers) headers.push([name, await resolver.text(value)]);
  const method = new Request('http://vodkit.test/', { method: plan.method }).method;
  // fetch refuses a body on GET and HEAD.
  const body = plan.body && method !== 'GET' && method !== 'HEAD' ? await bodyBytes(plan.body, resolver) : undefined;
  return { method, path: await pathOf(route, plan, resolver), headers, body, chunked: body ? plan.chunked : undefined };
}

/**
 * A body of unknown length: its first bytes in pieces of `size` (a sniffer or parser must
 * wait for more), the rest in 64 KiB pieces so a megabyte does not take a million reads.
 */
function streamOf(bytes: Uint8Array, size: number) {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) controller.close();
      else {
        const step = at < 4096 ? size : 65_536;
        controller.enqueue(bytes.slice(at, at + step));
        at += step;
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// What every answer must be

const responsesOf = (route: CompiledRoute) => route.route.responses as Record<string, unknown>;

/** What the router will do with this method and path: the route it serves, or 404/405. */
function routingOf(method: string, path: string) {
  const { pathname } = new URL(path, 'http://vodkit.test');
  const onPath = routes.filter((route) => route.pattern.test(pathname));
  // As the router: a route of the method itself, and for HEAD the GET route where no HEAD route has the path.
  const served =
    onPath.find((route) => route.method === method) ??
    (method === 'HEAD' ? onPath.find((route) => route.method === 'GET') : undefined);
  return { served, status: served ? undefined : onPath.length > 0 ? 405 : 404 };
}

/** Statuses any host may answer before the core sees a request (see docs/http.md). */
const HOST_STATUSES = [400, 431];

/** `strict`: the known gaps the generated runs pass over fail too (the regression examples). */
function problemsOf(request: Concrete, answer: Answer, strict: boolean): string[] {
  const problems: string[] = [];
  const { status, headers, bytes } = answer;
  const routing = routingOf(request.method, request.path);
  if (status >= 500) problems.push(`${status} is a server error`);

  const allowed = routing.served ? Object.keys(responsesOf(routing.served)).map(Number) : [routing.status as number];
  if (!allowed.includes(status) && !HOST_STATUSES.includes(status)) {
    const whose = routing.served ? `the contract lists for ${routing.served.name}` : 'of the router';
    problems.push(`${status} is not an answer ${whose} (expected one of ${[...allowed, ...HOST_STATUSES].join(', ')})`);
  }

  const type = headers.get('content-type');
  const text = new TextDecoder().decode(bytes);
  const parse = () => {
    try {
      return { ok: true as const, value: JSON.parse(text) as unknown };
    } catch {
      return { ok: false as const };
    }
  };

  if (status >= 400) {
    if (type !== JSON_TYPE) problems.push(`an error with Content-Type ${JSON.stringify(type)}, not ${JSON_TYPE}`);
    // HEAD answers carry no body over a socket; what they carry in process is checked like any other.
    if (request.method !== 'HEAD' || bytes.byteLength > 0) {
      const parsed = parse();
      if (!parsed.ok) problems.push('an error whose body is not JSON');
      else problems.push(...errorShapeProblems(parsed.value, status));
    }
    if (status === 429 && !headers.get('retry-after')) problems.push('a 429 without Retry-After');
    if (status === 405 && !headers.get('allow')) problems.push('a 405 without Allow');
  } else if (routing.served && request.method !== 'HEAD') {
    const declared = responsesOf(routing.served)[String(status)];
    if (typeof declared === 'symbol' && bytes.byteLength > 0) problems.push(`a ${status} with a body`);
    if (isSchema(declared)) {
      if (type !== JSON_TYPE) problems.push(`a ${status} with Content-Type ${JSON.stringify(type)}, not ${JSON_TYPE}`);
      const parsed = parse();
      const result = parsed.ok
        ? (declared as { safeParse(value: unknown): { success: boolean; error?: unknown } }).safeParse(parsed.value)
        : undefined;
      if (!result?.success)
        problems.push(`a ${status} whose body is not the contract's (${String(result?.error ?? 'not JSON')})`);
    }
  }
  if (routing.served?.name.startsWith('resumable.'))
    problems.push(...tusProblems(routing.served, request, answer, strict));
  return problems;
}

const codeOf = (bytes: Uint8Array): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))?.error?.code;
  } catch {
    return undefined;
  }
};

const digits = (value: string | null) => value !== null && /^\d+$/.test(value);

/** What tus says of every answer of its routes, and of the successful ones each. */
function tusProblems(route: CompiledRoute, request: Concrete, answer: Answer, strict: boolean): string[] {
  const { status, headers, bytes } = answer;
  const problems: string[] = [];
  const has = (name: string, ok: (value: string | null) => boolean) => {
    if (!ok(headers.get(name))) problems.push(`a ${status} with ${name}: ${JSON.stringify(headers.get(name))}`);
  };
  // The host's own 431 (a head past its limit), or a bare 400, comes before any route does.
  if (status === 431 || (status === 400 && headers.get('content-type') !== JSON_TYPE)) return problems;
  has('tus-resumable', (value) => value === '1.0.0');
  if (status === 412) has('tus-version', (value) => value === '1.0.0');
  if (status === 409 && codeOf(bytes) === 'UPLOAD_OFFSET_MISMATCH') has('upload-offset', digits);
  if (status >= 300) return problems;
  const offsetWithin = (value: string | null) => digits(value) && Number(value) <= MAX_UPLOAD_BYTES;
  switch (route.name) {
    case 'resumable.discoverCreation':
    case 'resumable.discoverUpload':
      has('tus-version', (value) => value === '1.0.0');
      has('tus-extension', (value) => value === 'creation,creation-with-upload,termination,expiration');
      has('tus-max-size', (value) => value === String(MAX_UPLOAD_BYTES));
      break;
    case 'resumable.createUpload':
      has('location', (value) => value !== null && /^\/upload\/resumable\/[0-9a-f]{32}$/.test(value));
      has('upload-offset', offsetWithin);
      has('upload-expires', (value) => value !== null && Number.isFinite(Date.parse(value)));
      break;
    case 'resumable.appendUpload':
      has('upload-offset', offsetWithin);
      has('upload-expires', (value) => value !== null && Number.isFinite(Date.parse(value)));
      break;
    case 'resumable.uploadOffset':
      has('upload-offset', offsetWithin);
      has('upload-length', (value) => digits(value) && Number(value) >= Number(headers.get('upload-offset')));
      has('cache-control', (value) => value === 'no-store');
      break;
  }
  return problems;
}

function errorShapeProblems(body: unknown, status: number): string[] {
  const problems: string[] = [];
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(body) || Object.keys(body).join() !== 'error' || !isObject(body.error)) {
    return ['an error body that is not { error: { … } } alone'];
  }
  const { code, message, details, ...extra } = body.error;
  if (Object.keys(extra).length > 0) problems.push(`an error with other keys: ${Object.keys(extra).join(', ')}`);
  const known = typeof code === 'string' && Object.hasOwn(errorCodes, code);
  if (!known) problems.push(`an error code ${JSON.stringify(code)} not in errorCodes`);
  else if (errorCodes[code as keyof typeof errorCodes].status !== status) {
    problems.push(`${code} is ${errorCodes[code as keyof typeof errorCodes].status}, answered as ${status}`);
  }
  if (typeof message !== 'string' || message.length === 0) problems.push('an error without a message');
  if (details !== undefined) {
    if (code !== 'VALIDATION') problems.push(`details on ${String(code)}: they come with VALIDATION only`);
    const entries = Array.isArray(details) ? details : [undefined];
    if (
      !entries.every(
        (entry) =>
          isObject(entry) &&
          typeof entry.path === 'string' &&
          typeof entry.message === 'string' &&
          Object.keys(entry).length === 2,
      )
    ) {
      problems.push('details that are not [{ path, message }]');
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Reports

const preview = (bytes: Uint8Array, max = 300) => {
  const text = new TextDecoder().decode(bytes.subarray(0, max));
  return `${bytes.byteLength} bytes: ${JSON.stringify(text)}${bytes.byteLength > max ? '…' : ''}`;
};

const clip = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

const sending = (chunked: number | undefined) => (chunked ? `streamed, first in pieces of ${chunked}` : 'whole');

const describeRequest = (request: Concrete) =>
  [
    `${request.method} ${clip(request.path)}`,
    ...request.headers.map(([name, value]) => `  ${name}: ${clip(JSON.stringify(value))}`),
    request.body ? `  body (${sending(request.chunked)}): ${preview(request.body)}` : '  no body',
  ].join('\n');

const describeAnswer = (answer: Answer) =>
  [
    `${answer.status}`,
    ...[...answer.headers].map(([name, value]) => `  ${name}: ${clip(value)}`),
    `  body: ${preview(answer.bytes, 500)}`,
  ].join('\n');

class FuzzFailure extends Error {}

// ---------------------------------------------------------------------------------------------
// The suite

export interface FuzzDefaults {
  /** Runs per route; VODKIT_FUZZ_RUNS overrides it. */
  runs: number;
  /** Runs of the routes that make new users for each request (a password hash each); `runs` by default. */
  freshUserRuns?: number;
  /**
   * The host's own HTTP parser answers heads it refuses before any JavaScript runs (Bun: a bare
   * 431 past 16 KiB, a closed connection for a method it does not know), so vodkit cannot shape
   * those answers. The edge properties then check that the server takes them and stays up; the
   * exact bare answers are pinned in test/hosts/hostile-http.test.ts.
   */
  parserAnswersFirst?: boolean;
}

/** Property-based runs of every route of the contract against one target. */
export function fuzzContract(label: string, start: StartTarget, defaults: FuzzDefaults) {
  const seed = seedFromEnv();
  const numRuns = runsFromEnv(defaults.runs);
  const runsOverridden = process.env.VODKIT_FUZZ_RUNS !== undefined && process.env.VODKIT_FUZZ_RUNS !== '';
  const runsOf = (route: CompiledRoute) =>
    routeFuzz[route.name]?.scope === 'fresh-users' && !runsOverridden ? (defaults.freshUserRuns ?? numRuns) : numRuns;
  const path = process.env.VODKIT_FUZZ_PATH || undefined;

  describe(`contract fuzz: ${label} (seed ${seed}, ${numRuns} runs per route)`, () => {
    let target: Target | undefined;
    let world: World | undefined;
    const statuses = new Map<string, Map<number, number>>();

    beforeAll(async () => {
      target = await start(options);
      world = await buildWorld(target);
    }, 60_000);

    // A request never answered (a failure its test reports) may hold close() up; it must not hold the run.
    afterAll(async () => {
      if (process.env.VODKIT_FUZZ_VERBOSE) {
        for (const [name, counts] of statuses) {
          const sorted = [...counts].sort(([a], [b]) => a - b);
          console.info(`[${label}] ${name}: ${sorted.map(([status, n]) => `${status}×${n}`).join(' ')}`);
        }
      }
      await Promise.race([target?.close(), new Promise((resolve) => setTimeout(resolve, 5000))]);
    }, 10_000);

    it('has a generator for every route of the contract, and none for a route it lacks', () => {
      const names = routes.map((route) => route.name);
      expect(names.filter((name) => !routeFuzz[name])).toEqual([]);
      expect(Object.keys(routeFuzz).filter((name) => !names.includes(name))).toEqual([]);
      for (const route of routes) for (const name of route.paramNames) expect(paramArbitraries).toHaveProperty(name);
    });

    async function exchange(request: Concrete): Promise<Answer> {
      const live = target as Target;
      const signal = AbortSignal.timeout(ANSWER_WITHIN_MS);
      const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers: request.headers, signal };
      if (request.body) {
        // lib.dom's BodyInit wants Uint8Array<ArrayBuffer>; the bytes are the same.
        init.body = (request.chunked ? streamOf(request.body, request.chunked) : request.body) as BodyInit;
        if (request.chunked) init.duplex = 'half';
      }
      // A request fetch itself refuses is the generator's fault, not the server's: said apart from a failure.
      try {
        const { method, headers, body } = request;
        new Request(`http://vodkit.test${request.path}`, { method, headers, body: body as BodyInit | undefined });
      } catch (error) {
        throw new Error(`the generator made a request fetch refuses (${String(error)}):\n${describeRequest(request)}`);
      }
      let response: Response;
      let bytes: Uint8Array;
      let timer: NodeJS.Timeout | undefined;
      // The signal alone is not enough: in process, nothing makes vodkit.fetch give up on it.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS + 500);
      });
      try {
        response = await Promise.race([live.fetch(request.path, init), deadline]);
        bytes = new Uint8Array(await Promise.race([response.arrayBuffer(), deadline]));
        // In process, vodkit may answer the abort itself (499): still no answer to the request.
        if (signal.aborted) throw new Error(`no answer within ${ANSWER_WITHIN_MS} ms, then ${response.status}`);
      } catch (error) {
        const cause =
          error instanceof Error
            ? `${error.name}: ${error.message}${error.cause ? ` (${String(error.cause)})` : ''}`
            : String(error);
        const health = await Promise.race([
          live.fetch('/healthz').then(
            (r) => `${r.status}`,
            (e: unknown) => `no answer (${String(e)})`,
          ),
          new Promise<string>((resolve) => setTimeout(() => resolve('nothing within 2 s'), 2000)),
        ]);
        throw new FuzzFailure(
          `[${label}] no answer: ${cause}; /healthz then answered ${health}\nrequest: ${describeRequest(request)}`,
        );
      } finally {
        clearTimeout(timer);
      }
      return { status: response.status, headers: response.headers, bytes };
    }

    /**
     * One request of `route` from `plan`, checked; counted by status when `counts` is given. Generated
     * runs pass over the known gaps their regression examples pin (`strict` false).
     */
    async function sample(route: CompiledRoute, plan: Plan, counts?: Map<number, number>, strict = false) {
      const spec = routeFuzz[route.name];
      if (!spec || !target || !world) throw new Error(`No generator for ${route.name}, or no target`);
      const request = await concrete(route, plan, new Resolver(target, world, spec.scope));
      const answer = await exchange(request);
      counts?.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
      const problems = problemsOf(request, answer, strict);
      if (problems.length > 0) {
        throw new FuzzFailure(
          [
            `[${label}] ${route.name}: ${problems.join('; ')}`,
            `request: ${describeRequest(request)}`,
            `answer: ${describeAnswer(answer)}`,
          ].join('\n'),
        );
      }
    }

    /** Runs a property with the suite's seed; a failure says how to replay it. */
    async function holds<T>(title: string, property: fc.IAsyncProperty<[T]>, runs: number) {
      const details = await fc.check(property, {
        seed,
        numRuns: runs,
        includeErrorInReport: true,
        ...(path ? { path, endOnFailure: true } : {}),
        // Shrinking a hang costs seconds a step: past this the smallest case so far is reported, and a
        // slow machine that has not found one by then stops with the runs it made.
        plugins: [fc.interruptAfterTimeLimit(PROPERTY_TIME_LIMIT_MS)],
      });
      if (details.interrupted && !details.failed) {
        console.warn(`[${label}] ${title}: stopped after ${details.numRuns} of ${runs} runs (time limit)`);
      }
      if (details.failed) {
        throw new Error(
          `${fc.defaultReportMessage(details)}\n\nReplay: VODKIT_FUZZ_SEED=${details.seed} ` +
            `VODKIT_FUZZ_PATH=${details.counterexamplePath} npx vitest run test/fuzz/${label}.test.ts -t '${title}'`,
        );
      }
    }

    for (const route of routes) {
      it(
        `${route.name}: ${route.method} ${route.route.path}`,
        async () => {
          const counts = new Map<number, number>();
          statuses.set(route.name, counts);
          const property = fc.asyncProperty(planFor(route), (plan) => sample(route, plan, counts));
          await holds(route.name, property, runsOf(route));
          // With more runs than the defaults, the abuse limits (failed passwords per address) may close a
          // route's success path for the rest of the run; the defaults stay under them.
          if (!runsOverridden) {
            const successes = [...counts].filter(([status]) => status < 400);
            // A generator that only ever earns a 400 or 401 is not fuzzing the route.
            expect(successes, `${route.name} never got past the errors: ${JSON.stringify([...counts])}`).not.toEqual(
              [],
            );
          }
        },
        PROPERTY_TIME_LIMIT_MS + 30_000,
      );
    }

    // Apart from the generated runs, so a known failure does not stop them from finding the next one.
    it(
      'regressions: the shrunk cases of failures found before, on their routes',
      async () => {
        const cases = routes.flatMap((route) =>
          (routeFuzz[route.name]?.examples ?? []).map((plan) => ({ route, plan })),
        );
        const failures: string[] = [];
        for (const { route, plan } of cases) {
          await sample(route, plan, undefined, true).catch((error: unknown) => failures.push(String(error)));
        }
        expect(failures, failures.join('\n\n')).toEqual([]);
      },
      PROPERTY_TIME_LIMIT_MS,
    );

    const byName = new Map(routes.map((route) => [route.name, route]));
    /** Plans of any route, each bent by `bend`: the cases every route would fail the same way. */
    const onAnyRoute = <T>(extra: fc.Arbitrary<T>, bend: (plan: Plan, extra: T) => Plan) =>
      fc.asyncProperty(
        fc
          .tuple(fc.constantFrom(...byName.keys()), extra)
          .chain(([route, bent]) => planFor(byName.get(route) as CompiledRoute).map((plan) => ({ route, bent, plan }))),
        ({ route, bent, plan }) => sample(byName.get(route) as CompiledRoute, bend(plan, bent)),
      );

    if (defaults.parserAnswersFirst) {
      it("oversized heads and unusual methods: the host's parser refuses them, and the server stays up", async () => {
        const live = target as Target;
        const { hostname, port } = new URL((await live.fetch('/healthz')).url);
        const ask = (head: string) =>
          new Promise<string>((resolve) => {
            const socket = connect(Number(port), hostname, () => socket.end(head));
            let got = '';
            socket.on('data', (chunk: Buffer) => {
              got += chunk.toString('latin1');
            });
            socket.on('error', () => resolve(got));
            socket.on('close', () => resolve(got));
          });
        const padded = await ask(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'z'.repeat(16_500)}\r\n\r\n`);
        expect(padded.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
        for (const method of ['FOO', 'propfind']) {
          expect(await ask(`${method} /healthz HTTP/1.1\r\nHost: x\r\n\r\n`)).not.toMatch(/^HTTP\/1\.1 5/);
        }
        expect((await live.fetch('/healthz')).status).toBe(200);
      });
    } else {
      it(
        'oversized request heads: headers or a query past 16 KiB, on any route',
        async () => {
          const sizes = fc.tuple(fc.constantFrom('header', 'query'), fc.constantFrom(16_500, 40_000, 100_000));
          const property = onAnyRoute(sizes, (plan, [where, size]) =>
            where === 'header'
              ? { ...plan, headers: [...plan.headers, ['x-padding', new Repeat('z', size)]] }
              : { ...plan, query: [['padding', new Repeat('z', size)]] },
          );
          await holds('oversized request heads', property, EDGE_RUNS);
        },
        PROPERTY_TIME_LIMIT_MS + 30_000,
      );

      it(
        'unusual methods: unknown to HTTP parsers, or in lower case, on any route',
        async () => {
          const property = onAnyRoute(unusualMethod, (plan, method) => ({ ...plan, method }));
          await holds('unusual methods', property, EDGE_RUNS);
        },
        PROPERTY_TIME_LIMIT_MS + 30_000,
      );
    }

    it('is still up after the run: /healthz 200, and every stream token back', async () => {
      const live = target as Target;
      const health = await live.fetch('/healthz');
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const mineReady = (world as World).videos.mineReady;
      // Tokens come back as responses end, a moment after the client has read them.
      let last = 0;
      for (let attempt = 0; attempt < 50; attempt++) {
        const answers = await Promise.all(
          Array.from({ length: options.streamTokens }, () =>
            live.fetch(`/stream/videos/${mineReady}`, { headers: { range: 'bytes=0-0' } }),
          ),
        );
        await Promise.all(answers.map((answer) => answer.arrayBuffer()));
        last = Math.max(...answers.map((answer) => answer.status));
        if (answers.every((answer) => answer.status === 206)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(last, 'a stream token was never given back').toBe(206);
    });
  });
}
