import { SwiftError } from './swift-errors';

/**
 * The object proxy's routes as data: every path it serves and exactly the methods it accepts there.
 * The proxy's dispatch answers 405 (Swift's body, an `Allow` header) for any other method, so this
 * table is the truth; the fuzz tier walks it. Keep its shape stable.
 *
 * `auth` says whether the route needs a token (or an ACL / temp URL standing in for one).
 */
export interface ObjectRoute {
  readonly path: string;
  readonly methods: readonly string[];
  readonly auth: boolean;
}

export const OBJECT_ROUTES: ReadonlyArray<ObjectRoute> = [
  { path: '/info', methods: ['GET', 'HEAD'], auth: false },
  { path: '/healthcheck', methods: ['GET', 'HEAD'], auth: false },
  { path: '/v1/{account}', methods: ['GET', 'HEAD', 'POST'], auth: true },
  { path: '/v1/{account}/{container}', methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], auth: true },
  { path: '/v1/{account}/{container}/{object}', methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY'], auth: true },
];

/** Throws Swift's 405 (with `Allow`) when `method` is not one the route accepts. */
export function checkMethod(route: ObjectRoute, method: string | undefined): void {
  if (!route.methods.includes(method ?? '')) throw new SwiftError(405, undefined, { allow: route.methods.join(', ') });
}

/** The route of a path template; throws on a template the table does not hold (a programming error). */
export function objectRoute(path: string): ObjectRoute {
  const route = OBJECT_ROUTES.find((r) => r.path === path);
  if (!route) throw new Error(`no object route ${path}`);
  return route;
}
