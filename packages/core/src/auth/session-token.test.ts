import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashSessionToken, isWellFormedToken, newSessionToken } from './session-token.js';

describe('session tokens', () => {
  it('are 43 base64url characters carrying 256 bits', () => {
    const token = newSessionToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const bytes = Buffer.from(token, 'base64url');
    expect(bytes).toHaveLength(32);
    // Canonical encoding: the 43rd character carries no stray padding bits.
    expect(bytes.toString('base64url')).toBe(token);
    expect(isWellFormedToken(token)).toBe(true);
  });

  it('differ from each other and use the whole alphabet', () => {
    const tokens = Array.from({ length: 1000 }, newSessionToken);
    expect(new Set(tokens).size).toBe(tokens.length);
    // 43 000 random characters from 64: missing one of them has odds around 1e-290.
    const seen = new Set(tokens.join(''));
    expect(seen.size).toBe(64);
  });

  it('hash to 64 hex characters: SHA-256, the same every time', async () => {
    const token = newSessionToken();
    const hash = await hashSessionToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashSessionToken(token)).toBe(hash);
    expect(hash).toBe(createHash('sha256').update(token, 'utf8').digest('hex'));
    expect(await hashSessionToken(newSessionToken())).not.toBe(hash);
    expect(hash).not.toContain(token);
  });

  it('accepts only what newSessionToken makes as well formed', () => {
    const token = newSessionToken();
    for (const bad of [
      token.slice(1),
      `${token}A`,
      `${token.slice(0, 42)}+`,
      `${token.slice(0, 42)}=`,
      '',
      ' '.repeat(43),
    ]) {
      expect(isWellFormedToken(bad)).toBe(false);
    }
  });
});
