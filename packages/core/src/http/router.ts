import { type AppRoute, type AppRouter, isAppRoute } from '@ts-rest/core';
import { VodkitError } from '../errors/vodkit-error.js';

export interface CompiledRoute {
  /** Dotted key of the route in the contract, such as `api.register`. */
  name: string;
  /** Headers every answer of the route carries, errors included: even a 400 for its path's parameters. */
  answerHeaders?: Record<string, string> | undefined;
  /** The HTTP method it serves: `metadata.method` for the HEAD and OPTIONS routes ts-rest cannot declare. */
  method: string;
  route: AppRoute;
  pattern: RegExp;
  paramNames: string[];
}

export interface RouteMatch<T extends CompiledRoute = CompiledRoute> {
  route: T;
  params: Record<string, string>;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const compile = (name: string, route: AppRoute): CompiledRoute => {
  const paramNames: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return escapeRegExp(segment);
      paramNames.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { name, method: routeMethod(route), route, pattern: new RegExp(`^${source}$`), paramNames };
};

/**
 * The method a contract route serves. ts-rest declares GET, POST, PUT, PATCH and DELETE only; a
 * HEAD or OPTIONS route (tus's) is written as GET with its real method in `metadata.method`.
 */
export const routeMethod = (route: AppRoute): string => {
  const declared = (route.metadata as { method?: unknown } | undefined)?.method;
  return typeof declared === 'string' ? declared : route.method;
};

/** Every route of a contract, flattened with the dotted names of their keys. */
export const flattenContract = (router: AppRouter, prefix = ''): CompiledRoute[] =>
  Object.entries(router).flatMap(([key, value]) =>
    isAppRoute(value) ? [compile(`${prefix}${key}`, value)] : flattenContract(value, `${prefix}${key}.`),
  );

const decodeSegment = (segment: string, name: string, headers: Record<string, string> | undefined) => {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new VodkitError('VALIDATION', {
      details: [{ path: `params.${name}`, message: 'is not valid percent-encoding' }],
      ...(headers ? { headers } : {}),
    });
  }
};

/**
 * The methods served at a path, sorted and comma-separated (HEAD wherever GET is), as a 405's
 * `Allow` and a CORS preflight list them; undefined when no route has the path. Each path
 * pattern's list is written once, here.
 */
export function createMethodLookup(routes: readonly CompiledRoute[]) {
  const byPattern = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const { method, pattern } of routes) {
    const entry = byPattern.get(pattern.source) ?? { pattern, methods: new Set<string>() };
    entry.methods.add(method);
    if (method === 'GET') entry.methods.add('HEAD');
    byPattern.set(pattern.source, entry);
  }
  const patterns = [...byPattern.values()].map(({ pattern, methods }) => ({ pattern, methods: [...methods] }));
  return (pathname: string): string | undefined => {
    const methods = new Set<string>();
    for (const { pattern, methods: served } of patterns) {
      if (pattern.test(pathname)) for (const method of served) methods.add(method);
    }
    return methods.size > 0 ? [...methods].sort().join(', ') : undefined;
  };
}

/**
 * Finds the route for a method and path. A path that exists under another
 * method is 405 with `Allow`; HEAD is served by the GET route where no HEAD route has the path.
 */
export function createMatcher<T extends CompiledRoute>(routes: T[]) {
  const methodsAt = createMethodLookup(routes);
  const find = (method: string, pathname: string): RouteMatch<T> | undefined => {
    for (const route of routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      route.paramNames.forEach((name, i) => {
        params[name] = decodeSegment(found[i + 1] ?? '', name, route.answerHeaders);
      });
      return { route, params };
    }
    return undefined;
  };
  return (method: string, pathname: string): RouteMatch<T> => {
    const found = find(method, pathname) ?? (method === 'HEAD' ? find('GET', pathname) : undefined);
    if (found) return found;
    const allow = methodsAt(pathname);
    if (allow) throw new VodkitError('METHOD_NOT_ALLOWED', { headers: { allow } });
    throw new VodkitError('NOT_FOUND');
  };
}
