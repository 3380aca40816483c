import { type AppRoute, type AppRouter, isAppRoute } from '@ts-rest/core';
import { VodkitError } from '../errors/vodkit-error.js';

export interface CompiledRoute {
  /** Dotted key of the route in the contract, such as `api.register`. */
  name: string;
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
  return { name, route, pattern: new RegExp(`^${source}$`), paramNames };
};

/** Every route of a contract, flattened with the dotted names of their keys. */
export const flattenContract = (router: AppRouter, prefix = ''): CompiledRoute[] =>
  Object.entries(router).flatMap(([key, value]) =>
    isAppRoute(value) ? [compile(`${prefix}${key}`, value)] : flattenContract(value, `${prefix}${key}.`),
  );

const decodeSegment = (segment: string, name: string) => {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new VodkitError('VALIDATION', {
      details: [{ path: `params.${name}`, message: 'is not valid percent-encoding' }],
    });
  }
};

/**
 * Finds the route for a method and path. A path that exists under another
 * method is 405 with `Allow`; HEAD is served by the GET route.
 */
export function createMatcher<T extends CompiledRoute>(routes: T[]) {
  return (method: string, pathname: string): RouteMatch<T> => {
    const lookup = method === 'HEAD' ? 'GET' : method;
    const allowed = new Set<string>();
    for (const route of routes) {
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      if (route.route.method !== lookup) {
        allowed.add(route.route.method);
        if (route.route.method === 'GET') allowed.add('HEAD');
        continue;
      }
      const params: Record<string, string> = {};
      route.paramNames.forEach((name, i) => {
        params[name] = decodeSegment(found[i + 1] ?? '', name);
      });
      return { route, params };
    }
    if (allowed.size > 0) {
      throw new VodkitError('METHOD_NOT_ALLOWED', { headers: { allow: [...allowed].sort().join(', ') } });
    }
    throw new VodkitError('NOT_FOUND');
  };
}
