import { VodkitError } from '../errors/vodkit-error.js';

const digest = async (text: string) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));

/**
 * Checks `Authorization: Bearer <token>` against a secret. Both sides are hashed
 * first, so the comparison takes the same time whatever the token's length or
 * where it first differs.
 */
export async function requireBearer(request: Request, secret: string): Promise<void> {
  const presented = request.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!presented)
    throw new VodkitError('UNAUTHENTICATED', { message: 'Send Authorization: Bearer <scheduler token>.' });
  const [a, b] = await Promise.all([digest(presented), digest(secret)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  if (difference !== 0) throw new VodkitError('UNAUTHENTICATED', { message: 'The scheduler token is not valid.' });
}
