// The page's one status region (#message, role=status), and the words for failures.
import { isVodkitClientError } from '@vodkit/client';
import { byId } from './dom.js';

const region = byId('message', HTMLElement);

/** Shows and announces a message; `error` only changes how it looks (the region stays polite). */
export function say(text: string, tone: 'info' | 'error' = 'info'): void {
  region.dataset.tone = tone;
  region.textContent = text;
}

/** An error body of the API: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] | undefined };
}

/** The server's message, with what was wrong with each field (a 400 VALIDATION lists them). */
export function serverMessage({ error }: ErrorBody): string {
  const details = error.details?.map((detail) => `${detail.path.replace(/^body\./, '')} ${detail.message}`);
  return details?.length ? `${error.message} (${details.join('; ')})` : error.message;
}

/**
 * Words for what a call threw rather than answered: a status the route does not list (the
 * client's VodkitClientError), or no answer at all (fetch's TypeError).
 */
export function thrownMessage(error: unknown): string {
  if (isVodkitClientError(error)) return error.message;
  if (error instanceof TypeError) return 'The server cannot be reached. Check the connection and try again.';
  return error instanceof Error ? error.message : String(error);
}

/** Runs an action and reports anything it throws, so a failed click never fails silently. */
export async function reporting(what: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    say(`${what}: ${thrownMessage(error)}`, 'error');
  }
}

/**
 * Reports an error answer, after `prefix` ("Could not delete the video: …"). A 401
 * UNAUTHENTICATED is left alone: the client forgot the session and auth has said so already.
 */
export function sayFailure(body: ErrorBody, prefix?: string): void {
  if (body.error.code === 'UNAUTHENTICATED') return;
  say(prefix ? `${prefix}: ${serverMessage(body)}` : serverMessage(body), 'error');
}
