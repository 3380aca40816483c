import { describe, expect, it } from 'vitest';
import { VodkitError } from '../src/errors/vodkit-error.js';
import { silentLogger } from '../src/logger.js';
import { memoryStore } from '../src/store/memory-store.js';
import { createVodkit } from '../src/vodkit.js';

describe('the decoy hash of logins for unknown users', () => {
  it('is made again after a failure, so unknown names answer 401 like known ones once the hasher recovers', async () => {
    let busy = true;
    const vodkit = createVodkit({
      store: memoryStore(),
      logger: silentLogger,
      passwords: {
        // Busy at first, as the scrypt hasher is past its queue.
        hash: async (password) => {
          if (busy) throw new VodkitError('UNAVAILABLE', { headers: { 'retry-after': '1' } });
          return `plain:${password}`;
        },
        verify: async (password, stored) => stored === `plain:${password}`,
      },
    });
    const login = () =>
      vodkit.fetch(
        new Request('http://vodkit.test/api/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_name: 'nobody', pwd: 'some password' }),
        }),
      );
    expect((await login()).status).toBe(503);
    busy = false;
    const again = await login();
    expect(again.status).toBe(401);
    expect((await again.json()).error.code).toBe('BAD_CREDENTIALS');
    await vodkit.close();
  });
});
