/** The validators of a stored file, sent as ETag and Last-Modified. */
export interface Validators {
  /** Strong and quoted, e.g. `"1f-18c2"`. */
  etag: string;
  lastModified: Date;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MON = MONTHS.join('|');
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// The three forms RFC 9110 §5.6.7 obliges a recipient to accept, and nothing else: Date.parse
// accepts strings like "1" or "2020", which would turn garbage into a 304.
const IMF_FIXDATE = new RegExp(`^(?:${DAYS.join('|')}), (\\d{2}) (${MON}) (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(`^(?:${LONG_DAYS.join('|')}), (\\d{2})-(${MON})-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^(?:${DAYS.join('|')}) (${MON}) ([ \\d]\\d) ${TIME} (\\d{4})$`);

function utc(year: number, month: string, day: string, h: string, m: string, s: string): Date | undefined {
  const mon = MONTHS.indexOf(month);
  const date = new Date(Date.UTC(year, mon, Number(day), Number(h), Number(m), Number(s)));
  // Date.UTC rolls Feb 31 or 25:00 over into the next day; a real date survives the round trip.
  const same =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === mon &&
    date.getUTCDate() === Number(day) &&
    date.getUTCHours() === Number(h) &&
    date.getUTCMinutes() === Number(m) &&
    date.getUTCSeconds() === Number(s);
  return same ? date : undefined;
}

/** Parses an HTTP-date strictly; `undefined` when it is not one. The weekday is not checked, as in Go. */
export function parseHttpDate(text: string): Date | undefined {
  const value = text.trim();
  let m = IMF_FIXDATE.exec(value);
  if (m) return utc(Number(m[3]), m[2] ?? '', m[1] ?? '', m[4] ?? '', m[5] ?? '', m[6] ?? '');
  m = RFC_850.exec(value);
  if (m) {
    // Two-digit years pivot the way Go's time package reads them (69–99 → 19xx).
    const yy = Number(m[3]);
    return utc(yy < 69 ? 2000 + yy : 1900 + yy, m[2] ?? '', m[1] ?? '', m[4] ?? '', m[5] ?? '', m[6] ?? '');
  }
  m = ASCTIME.exec(value);
  if (m) return utc(Number(m[6]), m[1] ?? '', (m[2] ?? '').trim(), m[3] ?? '', m[4] ?? '', m[5] ?? '');
  return undefined;
}

/** IMF-fixdate, the only form a server may send. */
export function httpDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('httpDate: invalid date');
  // toUTCString is specified (ES2018+) to produce exactly IMF-fixdate for four-digit years.
  return date.toUTCString();
}

/**
 * Derived from the stored file only, never from the process (no counters, no random salt), so a
 * restart or a second instance sends the same tag and clients keep their caches. Stored videos are
 * never rewritten in place, which is what makes size + mtime strong enough.
 */
export function etagFor(size: number, mtimeMs: number): string {
  if (!Number.isSafeInteger(size) || size < 0 || !Number.isFinite(mtimeMs)) throw new RangeError('etagFor: bad stat');
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"/;
const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** The entity-tags of an If-None-Match list; `'*'` for the wildcard. Stops at the first malformed member, as Go does. */
function entityTags(header: string): string[] | '*' {
  const tags: string[] = [];
  let rest = header;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    if (rest === '') return tags;
    if (rest.startsWith('*')) return '*';
    const tag = ENTITY_TAG.exec(rest)?.[0];
    if (tag === undefined) return tags;
    tags.push(tag);
    rest = rest.slice(tag.length);
  }
}

/** true → answer 304 (GET/HEAD). If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2). */
export function isNotModified(headers: Headers, v: Validators): boolean {
  const noneMatch = headers.get('if-none-match');
  // Only an absent (or empty) If-None-Match lets If-Modified-Since speak, even when no tag matched.
  if (noneMatch !== null && noneMatch.trim() !== '') {
    const tags = entityTags(noneMatch);
    // Weak comparison: a cache revalidating with W/"x" may still get a 304 for "x" (RFC 9110 §13.1.2).
    return tags === '*' || tags.some((tag) => opaque(tag) === opaque(v.etag));
  }
  const since = headers.get('if-modified-since');
  const date = since === null ? undefined : parseHttpDate(since);
  // Last-Modified went out at second precision, so the client can only echo whole seconds.
  return date !== undefined && seconds(v.lastModified) <= seconds(date);
}

/** false → the Range must be ignored and the whole file sent (If-Range with a non-matching etag or date). No If-Range → true. */
export function ifRangeAllows(headers: Headers, v: Validators): boolean {
  const value = headers.get('if-range')?.trim();
  if (value === undefined || value === '') return true;
  if (value.startsWith('"') || value.startsWith('W/')) {
    // Strong comparison: bytes of a weakly-equal representation may not line up (RFC 9110 §13.1.5).
    return !value.startsWith('W/') && !v.etag.startsWith('W/') && value === v.etag;
  }
  const date = parseHttpDate(value);
  // An unreadable If-Range cannot prove the client's copy is current, so the range is dropped.
  return date !== undefined && date.getTime() === seconds(v.lastModified) * 1000;
}
