import { toHex } from '../hex.js';

const TOKEN_BYTES = 32;

const toBase64Url = (bytes: Uint8Array) => {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** A new session token: 256 random bits, base64url (43 characters). */
export const newSessionToken = (): string => toBase64Url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));

const encoder = new TextEncoder();

/**
 * Hashes of tokens presented lately: a client sends the same token with every request, and a
 * digest through WebCrypto costs more than the rest of a session check. Bounded, oldest out.
 * Tokens pass through this process's memory with every request anyway.
 */
const recent = new Map<string, string>();
const RECENT_MAX = 1024;

/** What is stored in place of the token: a leaked table does not leak usable sessions. */
export async function hashSessionToken(token: string): Promise<string> {
  const known = recent.get(token);
  if (known !== undefined) return known;
  const hash = toHex(await crypto.subtle.digest('SHA-256', encoder.encode(token)));
  if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value as string);
  recent.set(token, hash);
  return hash;
}

/** Tokens are exactly what newSessionToken makes; anything else is not looked up. */
export const isWellFormedToken = (token: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(token);
