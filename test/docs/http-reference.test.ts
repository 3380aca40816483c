import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cells,
  renderErrorCodes,
  renderRoutes,
  routeSectionProblems,
  sectionOf,
  sections,
} from '../../scripts/http-reference.mjs';

const httpMd = readFileSync(new URL('../../docs/http.md', import.meta.url), 'utf8');

/** Markdown with the layout taken out: Biome pads tables and may move blank lines; that is not content. */
const normalise = (markdown: string) =>
  markdown
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      if (!line.startsWith('|')) return line;
      const row = cells(line);
      return row.every((cell) => /^:?-+:?$/.test(cell)) ? '|---|' : row.join(' | ');
    })
    .join('\n');

describe('docs/http.md', () => {
  it('has the route table the contract generates (run `pnpm docs:generate` after changing the contract)', () => {
    const committed = sectionOf(httpMd, sections.routes);
    expect(committed, `markers ${sections.routes.start}`).toBeDefined();
    expect(normalise(committed ?? '')).toBe(normalise(renderRoutes()));
  });

  it('has the error-code table codes.ts generates (run `pnpm docs:generate` after changing the codes)', () => {
    const committed = sectionOf(httpMd, sections.errorCodes);
    expect(committed, `markers ${sections.errorCodes.start}`).toBeDefined();
    expect(normalise(committed ?? '')).toBe(normalise(renderErrorCodes()));
  });

  it("has a hand-written section per route that agrees with the contract's statuses and codes", () => {
    expect(routeSectionProblems(httpMd)).toEqual([]);
  });
});

describe('the check of the hand-written route sections', () => {
  const section = (heading: string, rows: string[]) =>
    [`### ${heading}`, '', '| status | body / code | when |', '| --- | --- | --- |', ...rows, ''].join('\n');
  const getVideo = (rows: string[]) => section('`GET /api/videos/:vid`', rows);
  const problemsOf = (markdown: string) =>
    routeSectionProblems(markdown).filter((problem) => problem.startsWith('GET /api/videos/:vid:'));

  it('accepts a section that lists the statuses and codes of the contract', () => {
    const good = getVideo(['| 200 | Video | |', '| 400 | `VALIDATION` | bad id |', '| 404 | `VIDEO_NOT_FOUND` | |']);
    expect(problemsOf(good)).toEqual([]);
  });

  it('finds a missing section, a missing or extra status, and a code of another status', () => {
    expect(problemsOf('# nothing\n')).toEqual([
      'GET /api/videos/:vid: no section (a heading with `GET /api/videos/:vid`)',
    ]);
    expect(problemsOf(getVideo(['| 200 | Video | |', '| 400 | `VALIDATION` | |']))).toEqual([
      'GET /api/videos/:vid: 404 is not documented',
    ]);
    expect(
      problemsOf(getVideo(['| 200 | Video | |', '| 400 | `VALIDATION` | |', '| 404, 410 | `VIDEO_NOT_FOUND` | |'])),
    ).toEqual(['GET /api/videos/:vid: 410 is not in the contract']);
    expect(
      problemsOf(getVideo(['| 200 | Video | |', '| 400 | `FORBIDDEN` | |', '| 404 | `VIDEO_NOT_FOUD` | |'])),
    ).toEqual([
      'GET /api/videos/:vid: `FORBIDDEN` is a 403, not 400',
      'GET /api/videos/:vid: `VIDEO_NOT_FOUD` is not an error code',
    ]);
  });

  it('does not take the section of a longer path for the route', () => {
    const comments = section('`GET /api/videos/:vid/comments?limit=&cursor=`', ['| 200 | page | |']);
    expect(problemsOf(comments)).toEqual(['GET /api/videos/:vid: no section (a heading with `GET /api/videos/:vid`)']);
  });
});
