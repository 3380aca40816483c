import { VodkitError } from '../errors/vodkit-error.js';
import type { PagePosition } from '../store/types.js';

// A cursor is the position of the last row served: "<created_at ms>.<id>", in base64url
// so clients treat it as opaque and do not build their own.
const encode = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export const encodeCursor = (position: PagePosition): string =>
  encode(`${position.createdAt.getTime()}.${position.id}`);

// The longest cursor made here: base64url of 15 digits, a dot and a UUID (52 characters).
// Anything longer is refused before decoding, so a huge query costs nothing.
const MAX_CURSOR_LENGTH = Math.ceil((52 * 4) / 3);

const CURSOR = /^(\d{1,15})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The position a cursor stands for; a cursor this server did not make is a 400. */
export const decodeCursor = (cursor: string): PagePosition => {
  let text = '';
  try {
    if (cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(cursor)) {
      text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    }
  } catch {
    // falls through to the error below
  }
  const match = CURSOR.exec(text);
  if (!match?.[1] || !match[2] || encode(text) !== cursor) {
    throw new VodkitError('VALIDATION', {
      details: [{ path: 'query.cursor', message: 'is not a cursor from this API' }],
    });
  }
  return { createdAt: new Date(Number(match[1])), id: match[2] };
};

/**
 * Cuts one page from `limit + 1` rows: the extra row only says whether a next
 * page exists, and the cursor points at the last row served.
 */
export const toPage = <T extends PagePosition>(rows: T[], limit: number) => {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
};
