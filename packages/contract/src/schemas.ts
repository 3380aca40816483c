import { z } from 'zod';
import { type ErrorCode, errorCodes } from './error-codes.js';

/**
 * Lone UTF-16 surrogates survive JSON.parse but cannot be stored as UTF-8, so a
 * database would reject them with a server error; they are refused here instead.
 */
const wellFormed = (value: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);

/** A string that is valid Unicode text, with a length range in UTF-16 code units. */
export const text = (min: number, max: number) =>
  z.string().min(min).max(max).refine(wellFormed, { message: 'must be valid Unicode text' });

export const UserName = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, { message: 'may only contain letters, digits, "_", "." and "-"' });

export const Password = text(8, 128);

/** Canonical lower-case UUID; ids are compared and stored in this form. */
export const Uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    message: 'must be a UUID',
  })
  .transform((id) => id.toLowerCase());

export const Timestamp = z.string().datetime().describe('ISO 8601 UTC');

export const Credentials = z.object({ user_name: UserName, pwd: Password }).strict();

export const SessionGrant = z.object({
  user_name: UserName,
  session_id: z.string(),
  expires_at: Timestamp,
});

export const User = z.object({ id: z.string(), user_name: UserName, created_at: Timestamp });

export const DeleteUserBody = z.object({ pwd: Password }).strict();

export const VideoStatus = z.enum(['pending', 'ready', 'deleting']);

export const Video = z.object({
  id: z.string().uuid(),
  author: UserName,
  name: z.string(),
  status: VideoStatus,
  size: z.number().int().nonnegative().nullable(),
  content_type: z.string().nullable(),
  created_at: Timestamp,
  stream_url: z.string(),
});

export const NewVideo = z.object({ name: text(1, 200) }).strict();

export const Comment = z.object({
  id: z.string().uuid(),
  video_id: z.string().uuid(),
  author: UserName,
  content: z.string(),
  created_at: Timestamp,
});

export const NewComment = z.object({ content: text(1, 2000) }).strict();

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
});

export const VideoPage = z.object({ videos: z.array(Video), next_cursor: z.string().nullable() });

export const CommentPage = z.object({ comments: z.array(Comment), next_cursor: z.string().nullable() });

/** Any error vodkit answers with; each route's statuses narrow `code` further (see responses.ts). */
export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export const Health = z.object({
  status: z.enum(['ok', 'unavailable']),
  services: z.array(z.string()),
  checks: z.record(z.string(), z.string()),
  /** With the scheduler service: its queue. Dead deletions need an operator. */
  scheduler: z
    .object({ queued: z.number().int(), dead: z.number().int(), dead_video_ids: z.array(z.string()) })
    .optional(),
});

export const UserNameParams = z.object({ user_name: UserName });
export const VideoParams = z.object({ vid: Uuid });

export type VideoBody = z.infer<typeof Video>;
export type CommentBody = z.infer<typeof Comment>;
export type ErrorResponseBody = z.infer<typeof ErrorBody>;
