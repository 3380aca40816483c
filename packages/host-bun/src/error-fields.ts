/**
 * A thrown value as log fields: its text, and its stack when it has one. Bun's own errors
 * (a file that cannot be sent) carry a message and a code but no stack; anything may be
 * thrown, `null` included, and logging it must not throw in turn.
 */
export function errorFields(error: unknown): Record<string, string> {
  if (typeof error !== 'object' || error === null) return { error: String(error) };
  const { name, message, stack, code } = error as Partial<Record<'name' | 'message' | 'stack' | 'code', unknown>>;
  const fields: Record<string, string> = {
    error: typeof message === 'string' ? `${typeof name === 'string' ? name : 'Error'}: ${message}` : String(error),
  };
  if (typeof code === 'string') fields.code = code;
  if (typeof stack === 'string') fields.stack = stack;
  return fields;
}
