// The generated parts of docs/http.md, rendered from the contract and the error codes, and a check
// of the hand-written route sections against the contract.

import { contract, errorCodes } from '@vodkit/contract';

/**
 * @typedef {object} RouteInfo
 * @property {string} method
 * @property {string} path
 * @property {string | undefined} auth `metadata.auth` of the route: 'session', 'scheduler' or none
 * @property {string} summary
 * @property {number[]} statuses every status the contract declares, ascending
 * @property {Record<number, string[]>} codes for each error status, the codes its body may carry
 * @property {boolean} validates whether the route has path parameters, query, headers or a body to check
 */

/** Markers around each generated part of docs/http.md. */
export const sections = {
  routes: { start: '<!-- generated:routes -->', end: '<!-- /generated:routes -->' },
  errorCodes: { start: '<!-- generated:error-codes -->', end: '<!-- /generated:error-codes -->' },
};

const authText = { session: 'session', scheduler: 'scheduler token' };

/**
 * The method a route serves. ts-rest declares GET, POST, PUT, PATCH and DELETE only, so tus's HEAD
 * and OPTIONS routes are written as GET with their real method in `metadata.method`, as core's
 * router reads it.
 * @param {Record<string, any>} route a route of the contract
 * @returns {string}
 */
export const routeMethod = (route) => {
  const declared = route.metadata?.method;
  return typeof declared === 'string' ? declared : route.method;
};

/** @param {any} value */
const isZod = (value) => typeof value?.safeParse === 'function';

/** @type {(value: unknown) => value is Record<string, any>} */
const isRoute = (value) => typeof value === 'object' && value !== null && 'method' in value && 'path' in value;

/** Every route of the contract, in contract order. @returns {RouteInfo[]} */
export function routes(router = /** @type {Record<string, any>} */ (contract)) {
  return Object.values(router).flatMap((value) => {
    if (!isRoute(value)) return routes(value);
    const responses = Object.entries(value.responses);
    /** @type {Record<number, string[]>} */
    const codes = {};
    for (const [status, schema] of responses) {
      const code = schema?.shape?.error?.shape?.code;
      if (code?.options) codes[Number(status)] = [...code.options];
    }
    return [
      {
        method: routeMethod(value),
        path: value.path,
        auth: value.metadata?.auth,
        summary: value.summary ?? '',
        statuses: responses.map(([status]) => Number(status)).sort((a, b) => a - b),
        codes,
        validates: [value.pathParams, value.query, value.headers, value.body].some(isZod),
      },
    ];
  });
}

/** A Markdown table, padded the way Biome formats one, so formatting the file changes nothing. */
export function table(/** @type {string[]} */ head, /** @type {string[][]} */ rows) {
  const width = (/** @type {string} */ text) => [...text].length;
  const widths = head.map((cell, i) => Math.max(3, width(cell), ...rows.map((row) => width(row[i] ?? ''))));
  const line = (/** @type {string[]} */ cells) =>
    `| ${cells.map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - width(cell))).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Text for a table cell: no line breaks, and `|`, `<` and `>` escaped so they stay text. */
const inline = (/** @type {string} */ text) =>
  text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The summary table of every route. */
export function renderRoutes() {
  const rows = routes().map((route) => {
    const auth =
      route.auth === undefined ? '—' : (authText[/** @type {keyof typeof authText} */ (route.auth)] ?? route.auth);
    const success = route.statuses.filter((status) => status < 400);
    const failure = route.statuses.filter((status) => status >= 400);
    return [
      `\`${route.method} ${route.path}\``,
      auth,
      success.join(', '),
      failure.join(', ') || '—',
      inline(route.summary),
    ];
  });
  return table(['route', 'auth', 'success', 'errors', 'what it does'], rows);
}

/** The table of every error code, with its status and the message sent with it. */
export function renderErrorCodes() {
  const rows = Object.entries(errorCodes)
    .sort(([, a], [, b]) => a.status - b.status)
    .map(([code, { status, message }]) => [`\`${code}\``, String(status), inline(message)]);
  return table(['code', 'status', 'message'], rows);
}

/** Replaces what is between the markers of `section` with `body`. */
export function replaceSection(
  /** @type {string} */ markdown,
  /** @type {{ start: string, end: string }} */ section,
  /** @type {string} */ body,
) {
  const start = markdown.indexOf(section.start);
  const end = markdown.indexOf(section.end);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`docs/http.md needs the markers ${section.start} and ${section.end}, in that order`);
  }
  return `${markdown.slice(0, start + section.start.length)}\n\n${body}\n\n${markdown.slice(end)}`;
}

/** What is between the markers of `section`. */
export function sectionOf(/** @type {string} */ markdown, /** @type {{ start: string, end: string }} */ section) {
  const start = markdown.indexOf(section.start);
  const end = markdown.indexOf(section.end);
  if (start === -1 || end === -1 || end < start) return undefined;
  return markdown.slice(start + section.start.length, end);
}

/** Docs/http.md with its generated parts brought up to date. */
export function renderHttpReference(/** @type {string} */ markdown) {
  const withRoutes = replaceSection(markdown, sections.routes, renderRoutes());
  return replaceSection(withRoutes, sections.errorCodes, renderErrorCodes());
}

/**
 * Checks the hand-written section of each route (`### \`METHOD /path\``) against the contract: every
 * route has one, its table lists the statuses the contract declares (500, and 400 where the route has
 * nothing to validate, may be left to the general note), and each error code it names belongs to the
 * status of its row and to the route.
 * @returns {string[]} the problems found, empty when the sections agree with the contract
 */
export function routeSectionProblems(/** @type {string} */ markdown) {
  const problems = [];
  const lines = markdown.split('\n');
  for (const route of routes()) {
    const heading = lines.findIndex((line) => /^#{2,4} /.test(line) && isRouteHeading(line, route));
    const name = `${route.method} ${route.path}`;
    if (heading === -1) {
      problems.push(`${name}: no section (a heading with \`${name}\`)`);
      continue;
    }
    const rows = tableAfter(lines, heading);
    if (rows.length === 0) {
      problems.push(`${name}: no status table under its heading`);
      continue;
    }
    /** @type {Set<number>} */
    const documented = new Set();
    for (const [statusCell = '', bodyCell = ''] of rows) {
      const statuses = statusCell.split(',').map((text) => Number(text.trim()));
      for (const status of statuses) {
        if (!Number.isInteger(status)) {
          problems.push(`${name}: "${statusCell}" is not a list of statuses`);
          continue;
        }
        documented.add(status);
        if (!route.statuses.includes(status)) problems.push(`${name}: ${status} is not in the contract`);
      }
      for (const [, code = ''] of bodyCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) {
        const entry = errorCodes[/** @type {keyof typeof errorCodes} */ (code)];
        if (!entry) {
          problems.push(`${name}: \`${code}\` is not an error code`);
        } else if (!statuses.includes(entry.status)) {
          problems.push(`${name}: \`${code}\` is a ${entry.status}, not ${statusCell}`);
        } else if (!(route.codes[entry.status] ?? []).includes(code)) {
          problems.push(`${name}: the contract's ${entry.status} for this route does not include \`${code}\``);
        }
      }
    }
    // 500 and 503 are in the general note; so is 400 for a route with nothing of its own to validate.
    const general = route.validates ? [500, 503] : [400, 500, 503];
    for (const status of route.statuses) {
      if (!documented.has(status) && !general.includes(status)) problems.push(`${name}: ${status} is not documented`);
    }
  }
  return problems;
}

/** Whether a heading names exactly this route (and not, say, a longer path that starts the same). */
function isRouteHeading(/** @type {string} */ line, /** @type {RouteInfo} */ route) {
  return [...line.matchAll(/`([A-Z]+) ([^`?]+)(\?[^`]*)?`/g)].some(
    ([, method, path]) => method === route.method && path === route.path,
  );
}

/** The body rows of the first table after line `from`, before the next heading; cells trimmed. */
function tableAfter(/** @type {string[]} */ lines, /** @type {number} */ from) {
  /** @type {string[][]} */
  const rows = [];
  for (const line of lines.slice(from + 1)) {
    if (/^#{1,6} /.test(line)) break;
    if (line.startsWith('|')) rows.push(cells(line));
    else if (rows.length > 0) break;
  }
  return rows.slice(2);
}

/** The cells of a Markdown table row, trimmed, with `\|` kept inside its cell. */
export function cells(/** @type {string} */ row) {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}
