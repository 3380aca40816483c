import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiFile, firstSentence, renderApiList, undocumentedSubpaths } from '../../scripts/api-list.mjs';

// The snapshot of the public API: what every entry point exports, as docs/api.md lists it. A change
// of the exports fails here until `node scripts/api-list.mjs` (`pnpm docs:generate`) rewrites it.
describe('docs/api.md', () => {
  it('lists every export of every entry point as the sources have it (run `node scripts/api-list.mjs`)', () => {
    expect(readFileSync(apiFile, 'utf8')).toBe(renderApiList());
  });

  it('covers every subpath the published packages export', () => {
    expect(undocumentedSubpaths()).toEqual([]);
  });

  it('keeps the first sentence of a summary, with links as their text', () => {
    expect(firstSentence('Serves vodkit.\n More here. And here.')).toBe('Serves vodkit.');
    expect(firstSentence('Reads `defaults.port` from {@link Guarded} statements')).toBe(
      'Reads `defaults.port` from Guarded statements',
    );
    expect(firstSentence('See {@link https://example.com the page}. Then')).toBe('See the page.');
  });
});
