import { readFileSync } from 'node:fs';
import fc from 'fast-check';

/*
 * Requests are generated as plans: plain data that names the server's state symbolically
 * (`ref('me.session')`) instead of holding tokens and ids, because the state only exists
 * once a target runs, and a plan must print readably and replay on any target.
 */

/** What a plan may name; the suite resolves each to a string on the target under test. */
export type RefName =
  | 'me.name'
  | 'me.pwd'
  | 'me.session'
  | 'other.name'
  | 'other.session'
  | 'spare.name'
  | 'spare.pwd'
  | 'ghost.name'
  | 'ghost.session'
  | 'revoked.session'
  | 'scheduler.token'
  | 'video.mine.pending'
  | 'video.mine.ready'
  | 'video.other.pending'
  | 'video.other.ready'
  | 'video.deleted'
  | 'video.queued'
  | 'cursor.videos'
  | 'cursor.comments'
  | 'file.etag'
  | 'file.lastModified'
  /** Resumable uploads, each of a pending video of its own made for the plan (see UPLOAD_LENGTH). */
  | 'upload.mine'
  | 'upload.mine.started'
  | 'upload.mine.finished'
  | 'upload.mine.ended'
  | 'upload.other';

export class Ref {
  constructor(
    readonly name: RefName,
    readonly upper = false,
  ) {}
  [fc.toStringMethod]() {
    return `ref(${JSON.stringify(this.name)}${this.upper ? ', upper' : ''})`;
  }
}

/** `text` `count` times: huge values stay short in a counterexample. */
export class Repeat {
  constructor(
    readonly text: string,
    readonly count: number,
  ) {}
  [fc.toStringMethod]() {
    return `repeat(${JSON.stringify(this.text)}, ${this.count})`;
  }
}

/** The first `bytes` bytes of a real MP4 file (the web example's clip). */
export class Clip {
  constructor(readonly bytes: number) {}
  [fc.toStringMethod]() {
    return `clip(${this.bytes})`;
  }
}

export type Piece = string | Ref | Repeat;
/** A string made of pieces; path segments percent-encode the refs in them and keep the rest as written. */
export type Text = Piece | readonly Piece[];

export const ref = (name: RefName, upper = false) => new Ref(name, upper);

/** Bytes on the wire; strings are UTF-8, Repeats too. */
export type Bytes = string | Uint8Array | Repeat | Clip | readonly Bytes[];

/**
 * JSON.stringify of `value` (its Ref and Repeat leaves resolved first) with `edit` applied to the
 * text, bytes as they are, or a form.
 */
export type BodyPlan =
  | { kind: 'json'; value: unknown; edit?: JsonEdit }
  | { kind: 'bytes'; bytes: Bytes }
  | { kind: 'multipart'; form: FormPlan };

/** Changes to JSON text that no value could make: a key twice, an own `__proto__`, a cut, a BOM. */
export interface JsonEdit {
  /** Written right after the opening `{`. */
  afterOpen?: string;
  /** Written right before the closing `}`. */
  beforeClose?: string;
  /** Characters cut from the end. */
  cut?: number;
  prefix?: string;
}

export interface FormPart {
  name: string | undefined;
  filename: string | undefined;
  type: string | undefined;
  data: Bytes;
}

export interface FormPlan {
  boundary: string;
  preamble: string;
  parts: FormPart[];
  /** Without the closing delimiter the form is cut short. */
  closed: boolean;
  epilogue: string;
}

export interface Plan {
  method: string;
  /** Raw text of each path parameter, by name. */
  params: Record<string, Text>;
  /** How the route's literal path is bent (a route the router must not confuse with another). */
  pathVariant: PathVariant;
  /** `?…` as pairs (keys and values percent-encoded), or raw text after `?`. */
  query: readonly (readonly [string, Text])[] | { raw: string } | undefined;
  headers: readonly (readonly [string, Text])[];
  body: BodyPlan | undefined;
  /** Sent as a stream in chunks of this size, with no Content-Length (chunked over a socket). */
  chunked: number | undefined;
}

export type PathVariant =
  | 'as-is'
  | 'trailing-slash'
  | 'double-slash'
  | 'extra-segment'
  | 'upper-case'
  | 'encoded-literal'
  | 'dot-segment';

export const weighted = <T>(...pairs: [number, fc.Arbitrary<T>][]) =>
  fc.oneof(...pairs.filter(([weight]) => weight > 0).map(([weight, arbitrary]) => ({ weight, arbitrary })));

/**
 * One part of a request, two ways: `valid`, what a well-behaved client sends (a plan made only
 * of these reaches the handlers' success paths), and `any`, which mixes valid and hostile.
 */
export interface Choice<T> {
  valid: fc.Arbitrary<T>;
  any: fc.Arbitrary<T>;
}

// ---------------------------------------------------------------------------------------------
// Text and bytes

/** One byte of a header value that `Headers` accepts: no NUL, CR or LF, nothing above 0xFF. */
const headerChar = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09))
  .map((code) => String.fromCharCode(code));

export const headerText = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 60 }),
  fc.constantFrom('', ' ', '""', 'null', '\u00ff\u00fe', '%00', 'a'.repeat(43), '=?utf-8?b?w6k=?='),
);

/** Code points in a JSON string the schemas must refuse or store: lone surrogates, NUL, RTL marks, emoji. */
const oddChar = fc.constantFrom(
  '\ud800',
  '\udfff',
  '\udbff\udfff',
  '\u0000',
  '\u202e',
  '\ufeff',
  '\uffff',
  '😀',
  'e\u0301',
  'ǅ',
  'İ',
  '\u2028',
);

/** Strings for any text field: empty, ASCII, any Unicode, odd code points, and around the length limits. */
export const anyText = (limits: number[] = []): fc.Arbitrary<string | Repeat> =>
  weighted<string | Repeat>(
    [4, fc.string({ minLength: 1, maxLength: 30 })],
    [2, fc.string({ unit: 'binary', maxLength: 30 })],
    [2, fc.array(fc.oneof(oddChar, fc.string({ maxLength: 3 })), { maxLength: 6 }).map((parts) => parts.join(''))],
    [1, fc.constant('')],
    [
      2,
      fc
        .tuple(fc.constantFrom(...limits, 1_100_000), fc.constantFrom(-1, 0, 1), fc.constantFrom('x', '😀', 'é'))
        .map(([limit, off, unit]) => new Repeat(unit, Math.max(0, limit + off))),
    ],
  );

/** A JSON value of the wrong type for a string field. */
const wrongType = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1e308, [], {}, ['a'], { a: 'b' }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Bytes that are not UTF-8 text. */
const invalidUtf8 = fc.constantFrom(
  Uint8Array.of(0xff),
  Uint8Array.of(0xc0, 0xaf),
  Uint8Array.of(0xed, 0xa0, 0x80),
  Uint8Array.of(0xe2, 0x82),
  Uint8Array.of(0xf8, 0x88, 0x80, 0x80, 0x80),
  Uint8Array.of(0xfe, 0xff),
);

// ---------------------------------------------------------------------------------------------
// Path parameters

const pct = (bytes: Uint8Array) => Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/*
 * Long values in the request head (path, query, headers) stay under 2–3 KB each, so a whole head
 * stays under the 16 KiB both hosts take: heads past that are a property of their own (suite.ts),
 * since every route would otherwise fail the same way on the same cause.
 */

/** Path segment text that is no id at all: broken escapes, dot and slash look-alikes, control bytes, long. */
export const junkSegment: fc.Arbitrary<Text> = weighted<Text>(
  [3, fc.string({ maxLength: 30 })],
  [2, fc.string({ unit: 'binary', maxLength: 12 })],
  [2, fc.uint8Array({ minLength: 1, maxLength: 12 }).map(pct)],
  [
    3,
    fc.constantFrom(
      '%',
      '%4',
      '%G0',
      '%%41',
      '%00',
      '%0a',
      '%ff',
      '%c0%af',
      '%ed%a0%80',
      '.',
      '..',
      '...',
      '%2e',
      '%2E%2e',
      '%2f',
      '%5c',
      '%5C..',
      '%3f',
      '%23',
      '%20',
      '+',
      ';',
      ';a=b',
      ':vid',
      'null',
      'undefined',
      '__proto__',
      'constructor',
    ),
  ],
  [1, fc.constantFrom(300, 3000).map((n) => new Repeat('a', n))],
  [1, fc.constant(new Repeat('%41', 1000))],
);

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });

const uuidLike: fc.Arbitrary<Text> = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
  fc.uuid().map((id) => id.replace(/-/g, '')),
  fc.uuid().map((id) => `{${id}}`),
  fc.uuid().map((id) => `${id}0`),
  fc.uuid().map((id) => id.slice(1)),
  fc.uuid().map((id) => ` ${id}`),
  fc.uuid().map((id) => pct(new TextEncoder().encode(id))),
  fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(13)).map((parts) => parts.join('-')),
  fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((parts) => parts.join('_')),
);

const videoRefs: RefName[] = [
  'video.mine.pending',
  'video.mine.ready',
  'video.other.pending',
  'video.other.ready',
  'video.deleted',
  'video.queued',
];

/** `:vid`: videos that exist (in every state), ids that do not, and junk. */
export const vidSegment: fc.Arbitrary<Text> = weighted<Text>(
  [8, fc.constantFrom(...videoRefs).map((name) => ref(name))],
  [1, fc.constantFrom(...videoRefs).map((name) => ref(name, true))],
  [1, fc.tuple(fc.constantFrom(...videoRefs), junkSegment).map(([name, junk]) => [ref(name), junk].flat())],
  [3, uuidLike],
  [2, junkSegment],
);

const validUserName = fc.stringMatching(/^[A-Za-z0-9_.-]{3,64}$/);

/** `:user_name`: the session's own user, another user, a deleted one, unknown and invalid names. */
export const userSegment: fc.Arbitrary<Text> = weighted<Text>(
  [8, fc.constant(ref('me.name'))],
  [3, fc.constantFrom<RefName>('other.name', 'ghost.name', 'spare.name').map((name) => ref(name))],
  [1, fc.constant(ref('me.name', true))],
  [2, validUserName],
  [1, fc.constantFrom('ab', 'a'.repeat(65), 'a b', 'a/b', 'ü-ser', 'a%2fb', 'user%00', '%75ser', '...')],
  [2, junkSegment],
);

/** Every resumable upload a plan names is this long, of the test clip's bytes. */
export const UPLOAD_LENGTH = 70_000;
/** `upload.mine.started` was created with this many of them (creation-with-upload): its offset. */
export const UPLOAD_STARTED = 4096;

const uploadRefs: RefName[] = [
  'upload.mine',
  'upload.mine.started',
  'upload.mine.finished',
  'upload.mine.ended',
  'upload.other',
];

/**
 * `:upload_id`: uploads of the session's user (new, started, finished into the video, ended),
 * another user's, well-formed ids no upload has, near misses of the form, and junk.
 */
export const uploadSegment: fc.Arbitrary<Text> = weighted<Text>(
  [10, fc.constantFrom(...uploadRefs).map((name) => ref(name))],
  [1, fc.constantFrom(...uploadRefs).map((name) => ref(name, true))],
  [1, fc.tuple(fc.constantFrom(...uploadRefs), junkSegment).map(([name, junk]) => [ref(name), junk].flat())],
  [3, hex(32).map((id) => id.toLowerCase())],
  [
    1,
    fc.oneof(
      hex(31),
      hex(33),
      hex(32).map((id) => id.toUpperCase()),
      fc.constantFrom('0'.repeat(32), 'f'.repeat(32), `${'0'.repeat(31)}g`),
    ),
  ],
  [1, uuidLike],
  [2, junkSegment],
);

/** Generators of each path parameter by its name in the contract; a new parameter needs one here. */
export const paramArbitraries: Record<string, Choice<Text>> = {
  vid: {
    valid: weighted<Text>(
      [3, fc.constantFrom<RefName>('video.mine.ready', 'video.other.ready').map((name) => ref(name))],
      [1, fc.constantFrom<RefName>('video.mine.pending', 'video.other.pending').map((name) => ref(name))],
    ),
    any: vidSegment,
  },
  user_name: {
    valid: weighted<Text>([4, fc.constant(ref('me.name'))], [1, fc.constant(ref('other.name'))]),
    any: userSegment,
  },
  upload_id: {
    valid: weighted<Text>([6, fc.constant(ref('upload.mine'))], [1, fc.constant(ref('upload.mine.finished'))]),
    any: uploadSegment,
  },
};

export const anyPathVariant = weighted<PathVariant>(
  [12, fc.constant('as-is')],
  [
    1,
    fc.constantFrom<PathVariant>(
      'trailing-slash',
      'double-slash',
      'extra-segment',
      'upper-case',
      'encoded-literal',
      'dot-segment',
    ),
  ],
);

// ---------------------------------------------------------------------------------------------
// Methods

/** Methods every host reads, whichever a route takes: the router answers 405 or 404 for the others. */
const anyMethod = fc.constantFrom(
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'PROPFIND',
  'QUERY',
  'M-SEARCH',
);

/**
 * Methods outside the list HTTP parsers know, or in lower case (methods are case-sensitive):
 * a property of their own in suite.ts, since a host that refuses them does so on every route.
 * fetch cannot send CONNECT, TRACE or TRACK; it upper-cases get, post, delete, put, head and
 * options; `patch` it sends as is, with a warning on the console, so it is left out.
 */
export const unusualMethod = fc.constantFrom('FOO', 'BREW', 'X-CUSTOM', 'propfind', 'foo', 'Patch');

/** The route's own method (HEAD too for GET), or sometimes any other. */
export const methodFor = (method: string): Choice<string> => {
  const own = weighted([3, fc.constant(method)], [method === 'GET' ? 1 : 0, fc.constant('HEAD')]);
  return { valid: own, any: weighted([3, own], [1, anyMethod]) };
};

// ---------------------------------------------------------------------------------------------
// Query

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

const limitValue: fc.Arbitrary<Text> = weighted<Text>(
  [4, fc.integer({ min: 1, max: 100 }).map(String)],
  [
    3,
    fc.constantFrom(
      '0',
      '-1',
      '101',
      '1e2',
      '1.5',
      ' 5',
      '5 ',
      '0x10',
      '',
      'NaN',
      'Infinity',
      '-0',
      '+5',
      '\uff15',
      '9'.repeat(400),
      '1,2',
      'true',
    ),
  ],
  [1, fc.string({ maxLength: 10 })],
);

/** Cursors that decode to a position the API never made: huge, negative or fractional times, odd ids. */
const craftedCursor = fc
  .tuple(
    fc.oneof(
      fc.nat().map(String),
      fc.constantFrom('0', '-1', '8640000000000000', '8640000000000001', '99999999999999999999', '1e3', '1.5', 'NaN'),
    ),
    fc.oneof(fc.uuid(), fc.constantFrom('', 'x', '00000000-0000-0000-0000-000000000000')),
    fc.constantFrom('.', ':', '..'),
  )
  .map(([time, id, dot]) => b64url(`${time}${dot}${id}`));

const cursorValue: fc.Arbitrary<Text> = weighted<Text>(
  [3, fc.constantFrom<RefName>('cursor.videos', 'cursor.comments').map((name) => ref(name))],
  [3, craftedCursor],
  [1, fc.constantFrom<RefName>('cursor.videos', 'cursor.comments').map((name) => [ref(name), 'A'])],
  [2, fc.string({ maxLength: 20 })],
  [1, fc.constantFrom(200, 201, 2000).map((n) => new Repeat('A', n))],
);

const queryPair = weighted<readonly [string, Text]>(
  [4, limitValue.map((value) => ['limit', value] as const)],
  [4, cursorValue.map((value) => ['cursor', value] as const)],
  [1, fc.tuple(fc.constantFrom('limit[]', 'LIMIT', 'offset', '__proto__', 'constructor', '', ' limit'), limitValue)],
  [1, fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))],
);

const anyQuery = (hasQuery: boolean) =>
  weighted<Plan['query']>(
    [hasQuery ? 3 : 8, fc.constant(undefined)],
    [hasQuery ? 6 : 1, fc.array(queryPair, { maxLength: 4 })],
    [
      1,
      fc
        .constantFrom('%', 'limit=%zz', '&&&', 'limit', '=x', 'limit=1&limit=abc', 'cursor=%00', 'limit=%31%30', '?')
        .map((raw) => ({ raw })),
    ],
  );

/** Pairs (repeated keys included) or raw text with broken escapes. */
export const queryFor = (hasQuery: boolean): Choice<Plan['query']> => ({
  valid: hasQuery
    ? fc
        .record(
          {
            limit: fc.integer({ min: 1, max: 100 }).map(String),
            cursor: fc.constantFrom<RefName>('cursor.videos', 'cursor.comments').map((name) => ref(name)),
          },
          { requiredKeys: [] },
        )
        .map((record) => Object.entries(record))
    : fc.constant(undefined),
  any: anyQuery(hasQuery),
});

// ---------------------------------------------------------------------------------------------
// Sessions and other headers

/** 43 base64url characters: a token of the right form that no session has. */
const wellFormedToken = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
  minLength: 43,
  maxLength: 43,
});

const tokenValue = (main: RefName): fc.Arbitrary<Text> =>
  weighted<Text>(
    [10, fc.constant(ref(main))],
    [
      4,
      fc
        .constantFrom<RefName>('me.session', 'other.session', 'revoked.session', 'ghost.session', 'scheduler.token')
        .map((name) => ref(name)),
    ],
    [2, wellFormedToken],
    [2, headerText],
    [1, fc.constantFrom(100, 2000).map((n) => new Repeat('A', n))],
    [1, fc.constantFrom(' x', 'A', '\u00e9').map((suffix) => [ref(main), suffix])],
  );

const scheme = fc.constantFrom(
  'Bearer ',
  'bearer ',
  'BEARER ',
  'Bearer  ',
  'Bearer\t',
  'Basic ',
  'Token ',
  'Bearer',
  '',
);

const anyCredentials = (token: fc.Arbitrary<Text>, main: RefName) =>
  weighted<(readonly [string, Text])[]>(
    [3, fc.constant([])],
    [6, token.map((t) => [['x-session-id', t] as const])],
    [main === 'scheduler.token' ? 12 : 4, token.map((t) => [['authorization', ['Bearer ', t].flat()] as const])],
    [2, fc.tuple(scheme, token).map(([s, t]) => [['authorization', [s, t].flat()] as const])],
    [
      2,
      fc
        .tuple(token, token)
        .map(([a, b]) => [['x-session-id', a] as const, ['authorization', ['Bearer ', b].flat()] as const]),
    ],
  );

/**
 * Who the request claims to be: no one, one header or the other, both (agreeing or not), junk
 * schemes. `main` is the credential the route wants (a session, or the scheduler's token).
 */
export const credentialHeaders = (main: RefName): Choice<(readonly [string, Text])[]> => {
  const token = tokenValue(main);
  const bearer = [['authorization', ['Bearer ', ref(main)]] as const];
  return {
    valid:
      main === 'scheduler.token'
        ? fc.constant(bearer)
        : fc.constantFrom([['x-session-id', ref(main)] as const], bearer),
    any: anyCredentials(token, main),
  };
};

/** Headers nobody asked for; the server must ignore them or refuse them in its one error shape. */
export const otherHeaders = fc.array(
  fc.tuple(
    fc.constantFrom(
      'x-user-name',
      'accept',
      'accept-encoding',
      'x-forwarded-for',
      'x-forwarded-proto',
      'origin',
      'cookie',
      'range',
      'if-none-match',
      'x-http-method-override',
      'x-fuzz',
    ),
    fc.oneof(headerText, fc.constant(ref('other.name')), fc.constant(new Repeat('z', 2000))),
  ),
  { maxLength: 2 },
);

// ---------------------------------------------------------------------------------------------
// Stream headers

const offset = fc.oneof(
  fc.nat(200),
  fc.nat(80_000),
  fc.constantFrom(65_535, 65_536, 65_537, 2 ** 31, 2 ** 53, 2 ** 64),
);
const rangeSpec = fc.oneof(
  fc.tuple(offset, offset).map(([a, b]) => `${a}-${b}`),
  offset.map((a) => `${a}-`),
  offset.map((n) => `-${n}`),
);

const rangeValue: fc.Arbitrary<Text> = weighted<Text>(
  [4, rangeSpec.map((spec) => `bytes=${spec}`)],
  [2, fc.array(rangeSpec, { minLength: 2, maxLength: 20 }).map((specs) => `bytes=${specs.join(',')}`)],
  [
    3,
    fc.constantFrom(
      'bytes=',
      'bytes=-',
      'bytes=--1',
      'bytes=-0',
      'bytes=0-0,-0',
      'items=0-1',
      'bytes 0-1',
      'bytes=1-0',
      'bytes=0-1,,2-3',
      'bytes=99999999999999999999-',
      'bytes=0-99999999999999999999',
      'bytes=-99999999999999999999',
      'bytes=1e3-',
      'bytes=0x10-',
      'Bytes=0-1',
      'bytes = 0-1',
      'bytes=\t0-1',
      'bytes=0-1, 3-4',
      'bytes=0-1;2-3',
    ),
  ],
  [1, headerText],
);

const httpDate = fc.date({ min: new Date(-1e14), max: new Date(1e14) }).map((d) => d.toUTCString());

const validatorValue = (name: 'file.etag' | 'file.lastModified'): fc.Arbitrary<Text> =>
  weighted<Text>(
    [4, fc.constant(ref(name))],
    [1, fc.constant(['W/', ref('file.etag')])],
    [1, fc.constantFrom('*', '"abc"', 'W/"abc"', '"', '""', 'abc', '"a", "b"', 'W/')],
    [1, fc.constant(['"x", ', ref('file.etag')])],
    [1, httpDate],
    [1, fc.constantFrom('Thu, 01 Jan 1970 00:00:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT', 'yesterday', '0', '-1')],
    [1, headerText],
  );

const anyStreamHeaders = fc
  .record(
    {
      range: rangeValue,
      'if-range': validatorValue('file.etag'),
      'if-none-match': validatorValue('file.etag'),
      'if-modified-since': validatorValue('file.lastModified'),
    },
    { requiredKeys: [] },
  )
  .map((record) => Object.entries(record) as (readonly [string, Text])[]);

const validRange = weighted<Text>(
  [4, rangeSpec.map((spec) => `bytes=${spec}`)],
  [1, fc.array(rangeSpec, { minLength: 2, maxLength: 4 }).map((specs) => `bytes=${specs.join(',')}`)],
);

/** Range and the validators of the route's file: the 206, 304, 416 and If-Range paths. */
export const streamHeaders: Choice<(readonly [string, Text])[]> = {
  valid: fc
    .record(
      {
        range: validRange,
        'if-range': fc.constantFrom<RefName>('file.etag', 'file.lastModified').map((name) => ref(name)),
        'if-none-match': fc.constant(ref('file.etag')),
        'if-modified-since': fc.constant(ref('file.lastModified')),
      },
      { requiredKeys: [] },
    )
    .map((record) => Object.entries(record) as (readonly [string, Text])[]),
  any: anyStreamHeaders,
};

// ---------------------------------------------------------------------------------------------
// JSON bodies

const anyJsonType = weighted<string | undefined>(
  [10, fc.constant('application/json')],
  [
    3,
    fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'application/json; charset="utf-8"',
      'Application/JSON',
    ),
  ],
  [
    3,
    fc.constantFrom(
      undefined,
      '',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json;',
      'application/json; foo=bar',
      'application/json; charset',
      'text/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json, text/html',
      'application/vnd.api+json',
      'application/json\u00e9',
      'video/mp4',
    ),
  ],
  [1, headerText],
);

/** Content types a JSON route must accept, or refuse with 415. */
export const jsonContentType: Choice<string | undefined> = {
  valid: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
  any: anyJsonType,
};

const extraKey = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''),
);

/** Arrays and objects nested deeper than a recursive parser or validator can go. */
const nestings: Bytes[] = [100, 5000, 200_000].flatMap((n) => [
  [new Repeat('[', n), new Repeat(']', n)],
  [new Repeat('{"a":', n), new Repeat('}', n)],
]);

/**
 * Bodies of a JSON route from its fields: the right shape with good and bad values, missing,
 * extra and wrong-typed fields, other JSON values, and text or bytes that are not JSON.
 */
export const jsonBodyOf = (choices: Record<string, Choice<unknown>>): Choice<BodyPlan> => {
  const keys = Object.keys(choices);
  const pick = (which: 'valid' | 'any') =>
    Object.fromEntries(Object.entries(choices).map(([key, choice]) => [key, choice[which]]));
  const fields = pick('any');
  const good = fc.record(fields);
  const json = (value: unknown, edit?: JsonEdit): BodyPlan => ({ kind: 'json', value, ...(edit ? { edit } : {}) });
  const bytes = (value: Bytes): BodyPlan => ({ kind: 'bytes', bytes: value });
  return { valid: fc.record(pick('valid')).map(json), any: anyJsonBody() };

  function anyJsonBody() {
    return weighted<BodyPlan>(
      [12, good.map(json)],
      [2, fc.record(fields, { requiredKeys: [] }).map(json)],
      [
        2,
        fc
          .tuple(good, fc.dictionary(extraKey, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 3 }))
          .map(([value, extra]) => json({ ...value, ...extra })),
      ],
      [
        2,
        fc.tuple(good, fc.constantFrom(...keys), wrongType).map(([value, key, bad]) => json({ ...value, [key]: bad })),
      ],
      [1, fc.jsonValue({ maxDepth: 3 }).map(json)],
      // Keys JSON.parse makes own properties that an object literal could not.
      [
        1,
        fc
          .tuple(good, fc.constantFrom('__proto__', 'constructor'), fc.constantFrom('{"a":1}', 'null', '[]', '"x"'))
          .map(([value, key, inner]) => json(value, { afterOpen: `"${key}":${inner},` })),
      ],
      [1, fc.tuple(good, fc.constantFrom(...keys)).map(([value, key]) => json(value, { beforeClose: `,"${key}":1` }))],
      [
        1,
        fc
          .tuple(fc.constantFrom(...keys), fc.constantFrom(...nestings))
          .map(([key, nest]) => bytes([`{"${key}":`, nest, '}'])),
      ],
      [1, fc.constantFrom(...nestings).map(bytes)],
      [2, fc.tuple(good, fc.integer({ min: 0, max: 40 })).map(([value, cut]) => json(value, { cut: cut + 1 }))],
      [1, good.map((value) => json(value, { prefix: '\ufeff' }))],
      [2, fc.tuple(fc.constantFrom(...keys), invalidUtf8).map(([key, bad]) => bytes([`{"${key}":"a`, bad, '"}']))],
      [1, fc.uint8Array({ maxLength: 64 }).map(bytes)],
      [
        2,
        fc
          .constantFrom(
            '',
            ' ',
            '\n',
            'null',
            'undefined',
            "{'a':1}",
            '{"a":1,}',
            '{"a":NaN}',
            '{"a":1}//',
            '{"a":"\\x41"}',
            '{"a":"\\ud800"}',
            '{"a":"\\u00"}',
            '[1,2',
            '"\u0000"',
            '{"a":1}{"b":2}',
            '1e999999',
            '-',
          )
          .map(bytes),
      ],
      [1, fc.string({ maxLength: 40 }).map(bytes)],
      [1, fc.constant(bytes(new Repeat(' ', 1_100_000)))],
    );
  }
};

/** Junk bodies for routes that take none. */
export const strayBody = fc.option(
  fc.oneof(
    fc.constant<BodyPlan>({ kind: 'json', value: { a: 1 } }),
    fc.uint8Array({ maxLength: 32 }).map((bytes): BodyPlan => ({ kind: 'bytes', bytes })),
    fc.constant<BodyPlan>({ kind: 'bytes', bytes: new Repeat('x', 2_000_000) }),
  ),
  { freq: 4 },
);

// ---------------------------------------------------------------------------------------------
// Uploads

/** Real MP4 bytes: the example web app's test clip. */
export const clipBytes: Uint8Array = readFileSync(
  new URL('../../examples/web/test/fixtures/clip.mp4', import.meta.url),
);

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

const ftyp = (brand: string) => cat([0, 0, 0, 0x18], ascii('ftyp'), ascii(brand), [0, 0, 2, 0], ascii(`${brand}iso2`));
const ebml = (docType: string) =>
  cat([0x1a, 0x45, 0xdf, 0xa3, 0x80 | (5 + docType.length), 0x42, 0x82, 0x80 | docType.length], ascii(docType));

/** The first bytes of every container the sniffer knows, of ones it refuses, and cut-short heads. */
const videoHead = fc.constantFrom(
  ftyp('isom'),
  ftyp('mp42'),
  ftyp('qt  '),
  ftyp('heic'),
  ftyp('avif'),
  ebml('webm'),
  ebml('matroska'),
  ebml(''),
  ascii('OggS\0\x02'),
  cat([0, 0, 0, 0x20], ascii('ftyp')),
  cat([0, 0, 0, 0x20], ascii('ftypis')),
  Uint8Array.of(0x1a, 0x45, 0xdf),
  ascii('Ogg'),
  ascii('GIF89a'),
  cat([0x89], ascii('PNG\r\n\x1a\n')),
);

/** The file of an upload: real MP4 heads of any size (the whole clip is over the test limit), synthetic heads, junk. */
export const fileBytes = weighted<Bytes>(
  [4, fc.oneof(fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 70_000 })).map((n) => new Clip(n))],
  [1, fc.constant(new Clip(clipBytes.byteLength))],
  [3, fc.tuple(videoHead, fc.uint8Array({ maxLength: 300 })).map(([head, rest]) => [head, rest])],
  [2, fc.uint8Array({ maxLength: 300 })],
  [1, fc.constant('')],
  [1, fc.constantFrom(100_000, 400_000).map((n) => [new Clip(64), new Repeat('\u0000', n)])],
);

const boundaryText = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,70}$/),
  fc.constantFrom('x', '----vodkitfuzz', 'a'.repeat(70), 'a'.repeat(71), '', ' ', 'a b', '"', '--'),
);

const formPart: fc.Arbitrary<FormPart> = fc.record({
  name: fc.option(fc.constantFrom('file', 'title', 'File', 'file[]', '', 'ﬁle', 'file"x'), { nil: undefined, freq: 6 }),
  filename: fc.option(fc.constantFrom('clip.mp4', '', '../../etc/passwd', 'a\u00e9.mp4', 'x'.repeat(300)), {
    nil: undefined,
  }),
  type: fc.option(fc.constantFrom('video/mp4', 'application/octet-stream', 'text/plain', ''), { nil: undefined }),
  data: weighted<Bytes>([3, fileBytes], [1, fc.string({ maxLength: 20 })]),
});

const form: fc.Arbitrary<FormPlan> = fc.record({
  boundary: boundaryText,
  preamble: fc.constantFrom('', 'preamble\r\n', '\r\n'),
  parts: fc.oneof(
    { weight: 6, arbitrary: fc.array(formPart, { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constant<FormPart[]>([]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 19, max: 25 }), formPart)
        .map(([n, last]) => [
          ...Array.from({ length: n }, (_, i) => ({ name: `f${i}`, filename: undefined, type: undefined, data: 'v' })),
          last,
        ]),
    },
  ),
  closed: weighted([5, fc.constant(true)], [1, fc.constant(false)]),
  epilogue: fc.constantFrom('', '\r\n', 'trailing junk'),
});

const uploadType = (formBoundary: string) =>
  weighted<string | undefined>(
    [10, fc.constant(`multipart/form-data; boundary=${formBoundary}`)],
    [
      3,
      fc.constantFrom(
        `multipart/form-data; boundary="${formBoundary}"`,
        `Multipart/Form-Data; BOUNDARY=${formBoundary}`,
        `multipart/form-data;boundary=${formBoundary};charset=utf-8`,
        'multipart/form-data',
        'multipart/form-data; boundary=',
        'multipart/form-data; boundary=other',
        `multipart/mixed; boundary=${formBoundary}`,
        `multipart/form-data; boundary=${'b'.repeat(71)}`,
      ),
    ],
  );

const rawType = weighted<string | undefined>(
  [8, fc.constantFrom('video/mp4', 'video/webm')],
  [
    3,
    fc.constantFrom(
      'video/',
      'VIDEO/MP4',
      'video/mp4; codecs="avc1.42E01E"',
      'video/x-anything',
      'application/octet-stream',
      'text/plain',
      'image/png',
      'application/json',
      undefined,
      '',
    ),
  ],
  [1, headerText],
);

const anyUpload = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      contentType: rawType,
      body: fileBytes.map((bytes): BodyPlan => ({ kind: 'bytes', bytes })),
    }),
  },
  {
    weight: 2,
    arbitrary: form.chain((f) =>
      fc.record({ contentType: uploadType(f.boundary), body: fc.constant<BodyPlan>({ kind: 'multipart', form: f }) }),
    ),
  },
);

/** An upload: raw bytes with a video type, a multipart form (well-formed or not), or the wrong type. */
export const uploadBody: Choice<{ contentType: string | undefined; body: BodyPlan }> = {
  valid: fc.oneof(
    fc.record({
      contentType: fc.constant('video/mp4'),
      body: fc.integer({ min: 64, max: 70_000 }).map((n): BodyPlan => ({ kind: 'bytes', bytes: new Clip(n) })),
    }),
    fc.integer({ min: 64, max: 70_000 }).map((n) => ({
      contentType: 'multipart/form-data; boundary=----vodkitfuzz',
      body: {
        kind: 'multipart',
        form: {
          boundary: '----vodkitfuzz',
          preamble: '',
          parts: [
            { name: 'title', filename: undefined, type: undefined, data: 'a title' },
            { name: 'file', filename: 'clip.mp4', type: 'video/mp4', data: new Clip(n) },
          ],
          closed: true,
          epilogue: '',
        },
      } satisfies BodyPlan,
    })),
  ),
  any: anyUpload,
};

/** Most bodies go whole with a Content-Length; some as a stream in small pieces (a sniffer must wait for the head). */
export const chunking = fc.option(fc.constantFrom(1, 7, 64, 4096, 65_536), { nil: undefined, freq: 3 });

// ---------------------------------------------------------------------------------------------
// Resumable uploads (tus 1.0)

export const TUS_BYTES = 'application/offset+octet-stream';

type HeaderList = (readonly [string, Text])[];

const optionalHeader = (name: string, value: fc.Arbitrary<Text>, freq: number) =>
  fc.option(value, { nil: undefined, freq }).map((v): HeaderList => (v === undefined ? [] : [[name, v]]));

/** `Tus-Resumable`: the version spoken, others (412), junk, or none. */
const anyTusVersion = optionalHeader(
  'tus-resumable',
  weighted<Text>(
    [10, fc.constant('1.0.0')],
    [3, fc.constantFrom('1.0', '1.0.1', '0.2.2', '1.0.0,1.0.0', '1.0.0, 0.2.2', 'v1.0.0', '1.0.0\u00a0', '1', '')],
    [1, headerText],
  ),
  6,
);

/** A byte count as tus writes it (digits only) around the limits that matter, and what it must refuse. */
const byteCount = (exact: number[]): fc.Arbitrary<Text> =>
  weighted<Text>(
    [6, fc.constantFrom(...exact).map(String)],
    [3, fc.integer({ min: 0, max: 250_000 }).map(String)],
    [
      3,
      fc.constantFrom(
        '0',
        '-0',
        '-1',
        '+1',
        '1e3',
        '1.5',
        '1.0',
        '0x10',
        ' 1',
        '00',
        '007',
        '',
        '1,2',
        '1 2',
        'NaN',
        'Infinity',
        '\u00b9',
        '9'.repeat(16),
        '9'.repeat(17),
        '9007199254740991',
        '9007199254740992',
        '18446744073709551616',
        '9'.repeat(400),
      ),
    ],
    [1, headerText],
  );

const metadataValue: fc.Arbitrary<Text> = weighted<Text>(
  [4, fc.constant('filename Y2xpcC5tcDQ=,filetype dmlkZW8vbXA0')],
  [
    2,
    fc.constantFrom(
      '',
      'is_confidential',
      'filename',
      'filename !!!',
      'a b c',
      ',,,',
      'filename Y2xpcC5tcDQ=,filename eA==',
    ),
  ],
  [1, fc.constant(new Repeat('a', 2000))],
  [1, headerText],
);

/** Headers of a tus creation: version, Upload-Length, sometimes metadata or a deferred length (not offered). */
export const tusCreationHeaders: Choice<HeaderList> = {
  valid: fc
    .tuple(
      fc.constantFrom(UPLOAD_LENGTH, 100_000, 200_000).map(String),
      fc.option(fc.constant('filename Y2xpcC5tcDQ=,filetype dmlkZW8vbXA0'), { nil: undefined }),
    )
    .map(
      ([length, metadata]): HeaderList => [
        ['tus-resumable', '1.0.0'],
        ['upload-length', length],
        ...(metadata === undefined ? [] : [['upload-metadata', metadata] as const]),
      ],
    ),
  any: fc
    .tuple(
      anyTusVersion,
      optionalHeader('upload-length', byteCount([UPLOAD_LENGTH, 199_999, 200_000, 200_001, 1, 64]), 8),
      optionalHeader('upload-metadata', metadataValue, 2),
      optionalHeader('upload-defer-length', fc.constantFrom<Text>('1', '0', 'yes', ''), 10),
    )
    .map((lists) => lists.flat()),
};

/** Headers of a PATCH: version and Upload-Offset (its Content-Type comes with the body). */
export const tusPatchHeaders: Choice<HeaderList> = {
  valid: fc.constant([
    ['tus-resumable', '1.0.0'],
    ['upload-offset', '0'],
  ]),
  any: fc
    .tuple(
      anyTusVersion,
      optionalHeader('upload-offset', byteCount([0, UPLOAD_STARTED, UPLOAD_LENGTH, UPLOAD_LENGTH - 1]), 8),
      optionalHeader('upload-length', byteCount([UPLOAD_LENGTH]), 10),
    )
    .map((lists) => lists.flat()),
};

/** The version alone, as HEAD and DELETE take it (and OPTIONS ignores it). */
export const tusHeaders: Choice<HeaderList> = {
  valid: fc.constant([['tus-resumable', '1.0.0']]),
  any: fc
    .tuple(anyTusVersion, optionalHeader('upload-offset', byteCount([0, UPLOAD_STARTED]), 10))
    .map((lists) => lists.flat()),
};

const tusType = weighted<string | undefined>(
  [10, fc.constant(TUS_BYTES)],
  [
    3,
    fc.constantFrom(
      'Application/Offset+Octet-Stream',
      `${TUS_BYTES}; charset=utf-8`,
      `${TUS_BYTES};`,
      'application/octet-stream',
      'application/offset+octet-stream+x',
      'video/mp4',
      'application/json',
      'multipart/form-data; boundary=x',
      undefined,
      '',
    ),
  ],
  [1, headerText],
);

const bytesBody = (bytes: Bytes) => ({ kind: 'bytes', bytes }) satisfies BodyPlan;

/** Bytes of an upload: the clip from its start (within UPLOAD_LENGTH, or past it), other heads and junk, nothing. */
const tusBytes = weighted<Bytes>(
  [4, fileBytes],
  [2, fc.integer({ min: UPLOAD_LENGTH - 64, max: UPLOAD_LENGTH + 64 }).map((n) => new Clip(n))],
  [1, fc.constantFrom(UPLOAD_STARTED, UPLOAD_LENGTH - UPLOAD_STARTED).map((n) => new Repeat('v', n))],
);

/** The bytes of a PATCH: the clip's head (the sniffer's), of the right type. */
export const tusPatchBody: Choice<{ contentType: string | undefined; body: BodyPlan } | undefined> = {
  valid: weighted(
    [
      8,
      fc
        .integer({ min: 64, max: UPLOAD_LENGTH })
        .map((n) => ({ contentType: TUS_BYTES, body: bytesBody(new Clip(n)) })),
    ],
    [2, fc.constant({ contentType: TUS_BYTES, body: bytesBody(new Clip(UPLOAD_LENGTH)) })],
    [1, fc.constant({ contentType: TUS_BYTES, body: bytesBody('') })],
  ),
  any: weighted<{ contentType: string | undefined; body: BodyPlan } | undefined>(
    [8, fc.record({ contentType: tusType, body: tusBytes.map(bytesBody) })],
    [1, tusType.map((contentType) => ({ contentType, body: bytesBody('') }))],
    [1, fc.constant(undefined)],
  ),
};

/** A creation's body: none (most clients), or its first bytes (creation-with-upload), up to the whole file. */
export const tusCreationBody: Choice<{ contentType: string | undefined; body: BodyPlan } | undefined> = {
  valid: weighted(
    [3, fc.constant(undefined)],
    [
      2,
      fc
        .integer({ min: 64, max: UPLOAD_LENGTH })
        .map((n) => ({ contentType: TUS_BYTES, body: bytesBody(new Clip(n)) })),
    ],
    [1, fc.constant({ contentType: TUS_BYTES, body: bytesBody(new Clip(UPLOAD_LENGTH)) })],
  ),
  any: tusPatchBody.any,
};
