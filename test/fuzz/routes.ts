import fc from 'fast-check';
import {
  anyText,
  type BodyPlan,
  type Choice,
  Clip,
  type FormPart,
  jsonBodyOf,
  jsonContentType,
  type Plan,
  paramArbitraries,
  type RefName,
  Repeat,
  ref,
  streamHeaders,
  type Text,
  tusCreationBody,
  tusCreationHeaders,
  tusHeaders,
  tusPatchBody,
  tusPatchHeaders,
  uploadBody,
  vidSegment,
  weighted,
} from './arbitraries.js';

/**
 * Which state a plan's refs name. Routes that only read or add things share one world;
 * routes that destroy what they touch (a session, a user, a video) get theirs made for each
 * request, so one run cannot starve the next of the state it needs to reach past the 401s.
 */
export type Scope =
  /** `me` is a long-lived user, and so are the videos. */
  | 'shared'
  /** Users are long-lived; every video a plan names is made for it. */
  | 'fresh-videos'
  /** `me` and `other` are users made for the plan, with their own videos. */
  | 'fresh-users';

export interface BodyWithType {
  contentType: string | undefined;
  body: BodyPlan;
}

export interface RouteFuzz {
  scope: Scope;
  /** Bodies (and their Content-Type) the route's own method takes; routes without one get stray junk. */
  body?: Choice<BodyWithType | undefined>;
  /** Path parameters of the route's own, where arbitraries.ts's (paramArbitraries) do not fit it. */
  params?: Record<string, Choice<Text>>;
  /** Headers of the route's own, beside sessions and junk. */
  headers?: Choice<(readonly [string, Text])[]>;
  /** Sent on every run: shrunk cases of bugs found before; the suite fails until they are fixed, or if they return. */
  examples?: Plan[];
}

const validUserName = fc.stringMatching(/^[A-Za-z0-9_.-]{3,64}$/);

/** `known` for a login, a new name for a registration: each route says which is its valid one. */
const userName = (valid: fc.Arbitrary<unknown>, known: RefName): Choice<unknown> => ({
  valid,
  any: weighted<unknown>(
    [4, fc.constant(ref(known))],
    [1, fc.constant(ref(known, true))],
    [3, validUserName],
    [2, anyText([3, 64])],
  ),
});

const password = (known: RefName | undefined): Choice<unknown> => {
  const fresh = fc.string({ minLength: 8, maxLength: 40 });
  return {
    valid: known ? fc.constant(ref(known)) : fresh,
    any: weighted<unknown>([known ? 5 : 0, fc.constant(ref(known ?? 'me.pwd'))], [3, fresh], [2, anyText([8, 128])]),
  };
};

/** Text of 1 to `max` UTF-16 units: ASCII, or any well-formed Unicode. */
const text = (max: number): Choice<unknown> => ({
  valid: fc.oneof(
    fc.string({ minLength: 1, maxLength: Math.min(max, 60) }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: Math.floor(max / 12) }),
  ),
  any: anyText([1, max]),
});

const json = (fields: Record<string, Choice<unknown>>): Choice<BodyWithType> => {
  const body = jsonBodyOf(fields);
  return {
    valid: fc.record({ contentType: jsonContentType.valid, body: body.valid }),
    any: fc.record({ contentType: jsonContentType.any, body: body.any }),
  };
};

/** An upload of the author's pending video as a multipart form with these parts. */
const formUpload = (parts: FormPart[]): Plan => ({
  method: 'POST',
  params: { vid: ref('video.mine.pending') },
  pathVariant: 'as-is',
  query: undefined,
  headers: [
    ['content-type', 'multipart/form-data; boundary=x'],
    ['x-session-id', ref('me.session')],
  ],
  body: { kind: 'multipart', form: { boundary: 'x', preamble: '', parts, closed: true, epilogue: '' } },
  chunked: undefined,
});

const field = (name: string, data: FormPart['data']): FormPart => ({
  name,
  filename: undefined,
  type: undefined,
  data,
});

/*
 * Past busboy's limits (20 fields, 1 file) the form is no longer read: once what follows is over
 * 16 KiB, no answer ever comes (in process and on Node), and the stream token is never given back.
 */
const formPastTheFieldLimit = formUpload([
  ...Array.from({ length: 20 }, (_, i) => field(`f${i}`, 'v')),
  field('x', new Repeat('v', 17_000)),
]);
const formWithASecondFile = formUpload([
  { name: 'file', filename: 'a.mp4', type: 'video/mp4', data: new Clip(1000) },
  { name: 'other', filename: 'b.mp4', type: 'video/mp4', data: new Repeat('v', 17_000) },
]);

/** A Range vodkit ignores (it starts past the end, and ends before it starts): Bun made it a bare 416. */
const rangeVodkitIgnores: Plan = {
  method: 'GET',
  params: { vid: ref('video.other.ready') },
  pathVariant: 'as-is',
  query: undefined,
  headers: [['range', 'bytes=65535-0']],
  body: undefined,
  chunked: undefined,
};

/**
 * A tus answer without Tus-Resumable: the router refuses the broken escape in `:upload_id` (400
 * VALIDATION, params.upload_id) before it applies the route's headers, which the contract says
 * every answer of the tus routes carries.
 */
const tusVersionOnABadEscape: Plan = {
  method: 'HEAD',
  params: { upload_id: [ref('upload.mine'), '%80'] },
  pathVariant: 'as-is',
  query: undefined,
  headers: [
    ['tus-resumable', '1.0.0'],
    ['x-session-id', ref('me.session')],
  ],
  body: undefined,
  chunked: undefined,
};

/**
 * One entry per route of the contract, by its dotted name. Paths, methods, path parameters,
 * queries, sessions and junk come from the contract and `arbitraries.ts`; what is here is only
 * what the contract cannot say: valid-looking bodies and which state the route may destroy.
 */
export const routeFuzz: Record<string, RouteFuzz> = {
  'api.register': {
    scope: 'shared',
    body: json({ user_name: userName(validUserName, 'me.name'), pwd: password(undefined) }),
  },
  // Logins go to a user of their own: a success adds a session, which must not push out the ones others use.
  'api.login': {
    scope: 'shared',
    body: json({ user_name: userName(fc.constant(ref('spare.name')), 'spare.name'), pwd: password('spare.pwd') }),
  },
  'api.logout': { scope: 'fresh-users' },
  'api.getUser': { scope: 'shared' },
  'api.deleteUser': { scope: 'fresh-users', body: json({ pwd: password('me.pwd') }) },
  'api.createVideo': { scope: 'shared', body: json({ name: text(200) }) },
  'api.listVideos': { scope: 'shared' },
  'api.getVideo': { scope: 'shared' },
  'api.deleteVideo': { scope: 'fresh-videos' },
  'api.listComments': { scope: 'shared' },
  'api.createComment': { scope: 'shared', body: json({ content: text(2000) }) },
  'stream.streamVideo': { scope: 'shared', headers: streamHeaders, examples: [rangeVodkitIgnores] },
  'stream.uploadVideo': {
    scope: 'fresh-videos',
    body: uploadBody,
    examples: [formPastTheFieldLimit, formWithASecondFile],
  },
  'scheduler.deleteVideo': { scope: 'fresh-videos' },
  // tus: every upload a plan names is made for it (arbitraries.ts, UPLOAD_LENGTH); a creation may fill
  // or replace a video's upload, so its videos are the plan's too. OPTIONS ignores Tus-Resumable.
  'resumable.discoverCreation': { scope: 'fresh-videos', headers: tusHeaders },
  'resumable.createUpload': {
    scope: 'fresh-videos',
    // A creation's valid video is a pending one (a ready video is 409).
    params: {
      vid: {
        valid: weighted<Text>(
          [5, fc.constant(ref('video.mine.pending'))],
          [1, fc.constant(ref('video.other.pending'))],
        ),
        any: paramArbitraries.vid?.any ?? vidSegment,
      },
    },
    headers: tusCreationHeaders,
    body: tusCreationBody,
  },
  'resumable.discoverUpload': { scope: 'fresh-videos', headers: tusHeaders },
  'resumable.uploadOffset': { scope: 'fresh-videos', headers: tusHeaders, examples: [tusVersionOnABadEscape] },
  'resumable.appendUpload': { scope: 'fresh-videos', headers: tusPatchHeaders, body: tusPatchBody },
  'resumable.terminateUpload': { scope: 'fresh-videos', headers: tusHeaders },
  'health.health': { scope: 'shared' },
};
