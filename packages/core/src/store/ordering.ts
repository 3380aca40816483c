import type { PagePosition, PageRequest } from './types.js';

/** Newest first; the id breaks ties so that pages never skip or repeat a row. */
export const newestFirst = (a: PagePosition, b: PagePosition): number =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Sorts rows newest first and cuts the page that starts after `page.after`. */
export const takePage = <T extends PagePosition>(rows: T[], page: PageRequest): T[] => {
  const { after } = page;
  return (
    rows
      // Keep only rows that sort after the position, i.e. older, or as old with a smaller id.
      .filter((row) => !after || newestFirst(after, row) < 0)
      .sort(newestFirst)
      .slice(0, page.limit)
  );
};
