/**
 * vodkit's errors are recognised by a mark, not by `instanceof`: an application can hold two
 * copies of a vodkit package (two versions side by side, ESM beside CJS, a bundled copy), and
 * each copy's class is a different one. `Symbol.for` keys are one registry for the whole
 * JavaScript runtime, so every copy sets and reads the same key.
 *
 * The server's error and the client's are different things (one renders an HTTP answer, the
 * other is a response received), so each has its own mark.
 */

/** Set on a `VodkitError` of `@vodkit/core`: an error the server answers with. */
export const vodkitErrorMark: unique symbol = Symbol.for('vodkit.error');

/** Set on a `VodkitClientError` of `@vodkit/client`: a response that is not what the caller asked for. */
export const vodkitClientErrorMark: unique symbol = Symbol.for('vodkit.client-error');

/** Whether `value` is an object carrying `mark` (set to `true`, on it or on its prototype chain). */
export const hasErrorMark = (value: unknown, mark: typeof vodkitErrorMark | typeof vodkitClientErrorMark): boolean =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[mark] === true;
