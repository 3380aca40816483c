import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scryptPasswords } from './scrypt-passwords.js';

// Cheap parameters: these tests exercise the format and the checks, not the cost.
const passwords = scryptPasswords({ N: 1024 });

describe('scryptPasswords', () => {
  it('hashes as scrypt$N$r$p$salt$key with a 16-byte salt and a 32-byte key', async () => {
    const hash = await passwords.hash('correct horse battery');
    const parts = hash.split('$');
    expect(parts).toHaveLength(6);
    const [scheme, N, r, p, salt, key] = parts;
    expect([scheme, N, r, p]).toEqual(['scrypt', '1024', '8', '1']);
    expect(Buffer.from(salt ?? '', 'base64')).toHaveLength(16);
    expect(Buffer.from(key ?? '', 'base64')).toHaveLength(32);
    // The key is scrypt itself, computed here without the module.
    const expected = scryptSync('correct horse battery', Buffer.from(salt ?? '', 'base64'), 32, {
      N: 1024,
      r: 8,
      p: 1,
    });
    expect(key).toBe(expected.toString('base64'));
    expect(hash).not.toContain('correct horse battery');
  });

  it('uses the default cost when given none', async () => {
    const hash = await scryptPasswords().hash('correct horse battery');
    expect(hash.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '1']);
  });

  it('verifies the right password and refuses others', async () => {
    const hash = await passwords.hash('correct horse battery');
    expect(await passwords.verify('correct horse battery', hash)).toBe(true);
    expect(await passwords.verify('correct horse batterY', hash)).toBe(false);
    expect(await passwords.verify('correct horse battery ', hash)).toBe(false);
    expect(await passwords.verify('', hash)).toBe(false);
  });

  it('salts every hash differently', async () => {
    const hashes = await Promise.all(Array.from({ length: 5 }, () => passwords.hash('same password')));
    expect(new Set(hashes).size).toBe(5);
    expect(new Set(hashes.map((hash) => hash.split('$')[4])).size).toBe(5);
    for (const hash of hashes) expect(await passwords.verify('same password', hash)).toBe(true);
  });

  it('verifies a hash made with other parameters, which travel with it', async () => {
    const old = await scryptPasswords({ N: 2048, r: 4, p: 2 }).hash('correct horse battery');
    expect(old.split('$').slice(0, 4)).toEqual(['scrypt', '2048', '4', '2']);
    expect(await passwords.verify('correct horse battery', old)).toBe(true);
    expect(await passwords.verify('wrong horse battery', old)).toBe(false);
  });

  it('treats unicode passwords by their NFC form', async () => {
    const hash = await passwords.hash('caf\u00e9 \u{1F600} パスワード');
    expect(await passwords.verify('cafe\u0301 \u{1F600} パスワード', hash)).toBe(true);
    expect(await passwords.verify('cafe \u{1F600} パスワード', hash)).toBe(false);
  });

  it('answers false, without throwing, for a malformed stored hash', async () => {
    const good = await passwords.hash('correct horse battery');
    const [, N, r, p, salt, key] = good.split('$');
    const malformed = [
      '',
      'plaintext',
      'correct horse battery',
      'bcrypt$10$abc',
      `scrypt$${N}$${r}$${p}$${salt}`,
      `scrypt$${N}$${r}$${p}$$${key}`,
      `scrypt$${N}$${r}$${p}$${salt}$`,
      `argon2$${N}$${r}$${p}$${salt}$${key}`,
      `scrypt$abc$${r}$${p}$${salt}$${key}`,
      `scrypt$1000$${r}$${p}$${salt}$${key}`,
      `scrypt$0$${r}$${p}$${salt}$${key}`,
      `scrypt$-1024$${r}$${p}$${salt}$${key}`,
      `scrypt$${N}$0$${p}$${salt}$${key}`,
      `scrypt$${N}$${r}$0$${salt}$${key}`,
      `scrypt$${N}$x$y$${salt}$${key}`,
      `scrypt$${2 ** 40}$${r}$${p}$${salt}$${key}`,
      `scrypt$${2 ** 24}$8$1$${salt}$${key}`,
      `scrypt$1024$${r}$${p}$${salt}$${Buffer.alloc(64, 1).toString('base64')}`,
      `scrypt$${N}$${r}$${p}$${salt}$${key}$extra`,
      `scrypt$${N}$${r}$${p}$!!!$${key}`,
      `scrypt$${N}$${r}$${p}$${salt}$${key?.slice(0, 10)}`,
    ];
    for (const stored of malformed) {
      await expect(passwords.verify('correct horse battery', stored), stored).resolves.toBe(false);
    }
  });

  it('computes at most `concurrency` hashes at once, and refuses with 503 past 256 waiting', async () => {
    const limited = scryptPasswords({ N: 1024, concurrency: 1 });
    const stored = await limited.hash('correct horse battery');
    const results = await Promise.allSettled(
      Array.from({ length: 300 }, () => limited.verify('correct horse battery', stored)),
    );
    const refused = results.filter((result) => result.status === 'rejected');
    // One running, 256 waiting: the rest are told to come back, the others all verify.
    expect(refused).toHaveLength(300 - 257);
    for (const result of refused) expect(result.reason).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect(results.filter((result) => result.status === 'fulfilled' && result.value === true)).toHaveLength(257);
    // Once the queue drained, hashing works again.
    await expect(limited.verify('correct horse battery', stored)).resolves.toBe(true);
  });
});
