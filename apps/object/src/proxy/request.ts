import type { IncomingMessage, ServerResponse } from 'node:http';
import { Unauthorized } from '@kumo/common/core';
import type { AuthContext, TokenValidator } from '@kumo/auth';
import { allowsListings, allowsReferrer, grantsUser, parseAcl } from './acl';
import type { BackendClient } from './backend-client';
import { MAX_REQUEST_LINE } from './client-errors';
import { checkNames } from './request-checks';
import { checkMethod, ObjectRoute, objectRoute } from './routes';
import { SwiftError } from './swift-errors';
import { parseTempUrl, TEMPURL_METHODS, TempUrlParams, validTempUrl } from './tempurl';

/** A client request once parsed and authorized: what a controller works on. */
export interface ProxyRequest {
  req: IncomingMessage;
  res: ServerResponse;
  txId: string;
  account: string;
  container?: string;
  object?: string;
  query: URLSearchParams;
  /** undefined for an anonymous request that an ACL or a temp URL allowed */
  auth: AuthContext | undefined;
  /** set when a temp URL signature authorized the request */
  tempUrl?: TempUrlParams;
}

/** The path as sent and its query (WHATWG URL parsing would resolve `..` segments into another object's name). */
export function splitUrl(raw: string): { pathname: string; query: URLSearchParams } {
  if (raw.length > MAX_REQUEST_LINE) throw new SwiftError(414, `The request URL is longer than ${MAX_REQUEST_LINE} bytes.`);
  const q = raw.indexOf('?');
  return { pathname: q < 0 ? raw : raw.slice(0, q), query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

/**
 * `/v1/<account>[/<container>[/<object>]]` → the names (decoded, checked as Swift checks them) and
 * the route of OBJECT_ROUTES it falls under; 405 (with `Allow`) when that route does not take `method`.
 */
export function parseNames(pathname: string, method: string | undefined): { account: string; container?: string; object?: string; route: ObjectRoute } {
  const m = /^\/v1\/([^/]+)(?:\/([^/]*))?(?:\/(.+))?$/.exec(pathname);
  if (!m) throw new SwiftError(404);
  let account: string;
  let container: string | undefined;
  let object: string | undefined;
  try {
    account = decodeURIComponent(m[1]);
    container = m[2] !== undefined && m[2] !== '' ? decodeURIComponent(m[2]) : undefined;
    object = m[3] !== undefined ? decodeURIComponent(m[3]) : undefined;
  } catch {
    throw new SwiftError(412, 'Invalid UTF8 or contains NULL');
  }
  if (object !== undefined && container === undefined) throw new SwiftError(404);
  checkNames(account, container, object);
  const route = objectRoute(object !== undefined ? '/v1/{account}/{container}/{object}' : container !== undefined ? '/v1/{account}/{container}' : '/v1/{account}');
  checkMethod(route, method);
  return { account, container, object, route };
}

/** A listing's query for the container or account servers: the parameters they take, `limit` checked against `max`. */
export function listingQuery(q: URLSearchParams, max: number): string {
  const out = new URLSearchParams();
  for (const k of ['prefix', 'delimiter', 'marker', 'end_marker', 'reverse', 'path']) {
    const v = q.get(k);
    if (v !== null) out.set(k, v);
  }
  const limit = q.get('limit');
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 0) throw new SwiftError(412, `Value of limit must be a positive integer`);
    if (n > max) throw new SwiftError(412, `Maximum limit is ${max}`);
    out.set('limit', String(n));
  }
  const s = out.toString();
  return s ? `?${s}` : '';
}

/** Who may do what: identity tokens, container ACLs and temp URLs (Swift's keystoneauth and tempurl). */
export class RequestAuthorizer {
  constructor(
    private readonly validator: TokenValidator,
    private readonly backends: BackendClient,
  ) {}

  /**
   * `AUTH_<project>` belongs to that project: admin and member write, reader reads; admin reaches
   * every account. Others (and anonymous requests) get only what the container's ACLs grant.
   */
  async authorize(req: IncomingMessage, account: string, container: string | undefined, object: string | undefined, write: boolean): Promise<AuthContext | undefined> {
    const token = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
    const auth = typeof token === 'string' && token ? await this.validator.validate(token) : undefined;
    if (auth && (account === `AUTH_${auth.projectId}` || auth.roles.includes('admin'))) {
      if (write && !auth.roles.includes('member') && !auth.roles.includes('admin')) throw new SwiftError(403);
      return auth;
    }
    const denied = () => (auth ? new SwiftError(403) : new Unauthorized('no token'));
    // ACLs are on containers; object writes check X-Container-Write, reads X-Container-Read
    if (container === undefined || (write && object === undefined)) throw denied();
    const head = await this.backends.containerInfo(account, container);
    if (head.status !== 204 && head.status !== 200) throw denied();
    const grants = parseAcl(head.headers[write ? 'x-container-write' : 'x-container-read'] as string | undefined);
    if (auth && grantsUser(grants, auth)) return auth;
    if (!write && allowsReferrer(grants, req.headers.referer) && (object !== undefined || allowsListings(grants))) return auth;
    throw denied();
  }

  /** A temp URL request's parameters when its signature is valid for one of the account's or container's keys; 401 otherwise. */
  async checkTempUrl(req: IncomingMessage, query: URLSearchParams, account: string, container: string, object: string): Promise<TempUrlParams> {
    const params = parseTempUrl(query);
    const invalid = () => new SwiftError(401, 'Temp URL invalid');
    if (!params || !TEMPURL_METHODS.includes(req.method ?? '')) throw invalid();
    const [acct, cont] = await Promise.all([this.backends.readFirst(this.backends.rings.accountRing, [account], 'HEAD'), this.backends.containerInfo(account, container)]);
    const keys = [
      acct.headers['x-account-meta-temp-url-key'],
      acct.headers['x-account-meta-temp-url-key-2'],
      cont.headers['x-container-meta-temp-url-key'],
      cont.headers['x-container-meta-temp-url-key-2'],
    ].filter((k): k is string => typeof k === 'string' && k !== '');
    if (!validTempUrl(params, req.method!, `/v1/${account}/${container}/${object}`, keys)) throw invalid();
    return params;
  }
}
