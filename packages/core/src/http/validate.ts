import type { z } from 'zod';
import { VodkitError } from '../errors/vodkit-error.js';

/** Parses one part of a request (`params`, `query`, `body`) or throws a 400 that says where it is wrong. */
export function validate<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new VodkitError('VALIDATION', {
    details: result.error.issues.map((issue) => ({
      path: [where, ...issue.path].join('.'),
      message: issue.message,
    })),
  });
}
