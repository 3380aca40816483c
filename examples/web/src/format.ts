// How numbers and dates read on the page.

/** "1.2 MB": decimal units, as file managers show sizes, one decimal from kB up. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The API sends ISO 8601 UTC; people read their own time zone and locale. */
export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** A <time> element's text and machine-readable value. */
export function timeElement(iso: string): HTMLTimeElement {
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = formatDate(iso);
  return time;
}

/** "42 % — 1.2 MB of 2.9 MB"; without a known total, just the bytes sent. */
export function formatProgress(sent: number, total: number | undefined): string {
  if (!total) return `${formatBytes(sent)} sent`;
  return `${percentOf(sent, total)} % — ${formatBytes(sent)} of ${formatBytes(total)}`;
}

/** Whole percent, floored so 100 % means every byte went (not 99.6 % rounded up). */
export function percentOf(sent: number, total: number | undefined): number {
  if (!total) return 0;
  return Math.min(100, Math.floor((100 * sent) / total));
}
