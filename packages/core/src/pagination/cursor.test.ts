import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VodkitError } from '../errors/vodkit-error.js';
import { decodeCursor, encodeCursor, toPage } from './cursor.js';

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** The error a bad cursor must give: a 400 VALIDATION naming the query parameter. */
const expectRejected = (cursor: string) => {
  let thrown: unknown;
  try {
    decodeCursor(cursor);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `cursor ${JSON.stringify(cursor.slice(0, 80))} was accepted`).toBeInstanceOf(VodkitError);
  const error = thrown as VodkitError;
  expect(error.code).toBe('VALIDATION');
  expect(error.status).toBe(400);
  expect(error.details?.[0]?.path).toBe('query.cursor');
};

describe('cursor', () => {
  it('round-trips a position to the millisecond', () => {
    for (const createdAt of [new Date('2024-02-29T23:59:59.999Z'), new Date(0), new Date('2286-11-20T17:46:39.999Z')]) {
      const position = { createdAt, id: randomUUID() };
      const cursor = encodeCursor(position);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toEqual(position);
    }
  });

  it('encodes the same position the same way and different positions differently', () => {
    const id = randomUUID();
    const createdAt = new Date('2024-03-10T12:00:00.000Z');
    expect(encodeCursor({ createdAt, id })).toBe(encodeCursor({ createdAt: new Date(createdAt), id }));
    expect(encodeCursor({ createdAt, id })).not.toBe(
      encodeCursor({ createdAt: new Date(createdAt.getTime() + 1), id }),
    );
    expect(encodeCursor({ createdAt, id })).not.toBe(encodeCursor({ createdAt, id: randomUUID() }));
  });

  it('rejects a tampered cursor', () => {
    const cursor = encodeCursor({ createdAt: new Date('2024-03-10T12:00:00.000Z'), id: randomUUID() });
    // '_' is six one-bits: wherever it lands, a byte of the text becomes one that is not a digit,
    // a hex digit, '.' or '-' (0x3F, 0x7F or above 0xC0), so every one of these swaps must be caught.
    for (let i = 0; i < cursor.length; i++) expectRejected(`${cursor.slice(0, i)}_${cursor.slice(i + 1)}`);
    // Extra characters, even ones that decode to nothing, are not what this server sends.
    expectRejected(`${cursor}A`);
    expectRejected(`${cursor}=`);
    expectRejected(` ${cursor}`);
  });

  it('rejects a truncated cursor', () => {
    const cursor = encodeCursor({ createdAt: new Date('2024-03-10T12:00:00.000Z'), id: randomUUID() });
    for (const cut of [1, 2, 5, cursor.length - 1]) expectRejected(cursor.slice(0, cursor.length - cut));
    expectRejected('');
  });

  it('rejects what is not base64url', () => {
    for (const cursor of ['not base64!', 'abc+def/ghi=', '%%%%', 'a', '\u00e9t\u00e9', 'YWJj\n'])
      expectRejected(cursor);
  });

  it('rejects well-encoded text of the wrong shape', () => {
    const id = randomUUID();
    for (const text of [
      `${id}.1710072000000`,
      `1710072000000`,
      `1710072000000.`,
      `1710072000000.not-a-uuid`,
      `-5.${id}`,
      `1.5.${id}`,
      `1710072000000.${id.toUpperCase()}`,
      `1710072000000.${id} `,
      ` 1710072000000.${id}`,
      `1710072000000.${id}\n`,
      JSON.stringify({ createdAt: 1710072000000, id }),
    ]) {
      expectRejected(b64url(text));
    }
  });

  it('rejects a cursor that is too long', () => {
    const id = randomUUID();
    expectRejected(b64url(`${'9'.repeat(16)}.${id}`));
    expectRejected(b64url(`1710072000000.${id}${id}`));
    expectRejected(`${encodeCursor({ createdAt: new Date(1710072000000), id })}${'A'.repeat(10_000)}`);
    expectRejected('A'.repeat(1_000_000));
  });

  it('cuts a page from limit + 1 rows and points the cursor at the last row served', () => {
    const rows = Array.from({ length: 4 }, (_, i) => ({ createdAt: new Date(1000 - i), id: randomUUID() }));
    const full = toPage(rows, 3);
    expect(full.items).toEqual(rows.slice(0, 3));
    expect(full.nextCursor).not.toBeNull();
    expect(decodeCursor(full.nextCursor ?? '')).toEqual({ createdAt: rows[2]?.createdAt, id: rows[2]?.id });

    expect(toPage(rows.slice(0, 3), 3)).toEqual({ items: rows.slice(0, 3), nextCursor: null });
    expect(toPage([], 3)).toEqual({ items: [], nextCursor: null });
  });
});
