import replyFrom from '@fastify/reply-from';
import { BadRequest, Logger, NotFound, REQUEST_ID_HEADER, sendFault, ServiceUnavailable } from '@kumo/common';
import { catalogEndpoint } from '@kumo/sdk';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { SessionStore } from '../services/session.store';
import { CSRF_HEADER, requireSession } from '../session-http';

export interface ProxyOptions {
  sessions: SessionStore;
  logger: Logger;
  /** Time for the API to answer with its headers (ms). */
  timeoutMs: number;
}

/** The methods the OpenStack APIs use (Swift's COPY is not one Fastify routes: a copy is a PUT with X-Copy-From). */
export const PROXIED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Why an upstream URL cannot be sent (reply-from refuses both), or undefined: a `%` that does not
 * start a %XX escape of UTF-8, a dot segment (`..`) that would climb out of the endpoint.
 */
export function badUpstreamPath(rest: string, query: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest + query);
  } catch {
    return "The path or query is not valid: each '%' must start a %XX escape of UTF-8 text.";
  }
  if (/(^|\/)\.\.(\/|$|\?)/.test(decoded)) return 'The path must not contain dot segments (..): name the resource under the endpoint.';
  return undefined;
}

/** `/api/<type>` and what follows it: the catalog's service type and the path under its endpoint. */
const API_PATH = /^\/api\/([a-z0-9][a-z0-9-]{0,63})(\/[^?]*)?(\?.*)?$/;

/** The upstream URL of a dashboard API path: the endpoint's URL, then the path and query given under `/api/<type>`. */
export function upstreamUrl(endpoint: string, rest: string | undefined, query: string | undefined): string {
  return `${endpoint}${rest ?? ''}${query ?? ''}`;
}

/** Request headers that never leave for an API: the browser's credentials, the CSRF token, hop-by-hop ones. */
const DROPPED = ['cookie', 'authorization', 'x-auth-token', 'x-subject-token', CSRF_HEADER, 'x-service-token', 'origin', 'referer'];

/** The headers sent upstream: the browser's minus DROPPED, the session's token, the request id. */
export function upstreamHeaders(headers: IncomingHttpHeaders, token: string, requestId: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  for (const h of DROPPED) delete out[h];
  out['x-auth-token'] = token;
  out[REQUEST_ID_HEADER] = requestId;
  return out;
}

/**
 * `/api/<service-type>/<path>` → the public endpoint of that type in the session's catalog, with
 * the session's token (X-Auth-Token) and the request id (x-openstack-request-id), bodies streamed
 * both ways (an image upload of any size), the API's answer passed back as it is. No session:
 * 401; a state-changing method without the session's CSRF token: 403; a type the catalog lacks:
 * 404 naming the types it has; an API that does not answer: 503 (504 after `timeoutMs`).
 */
export async function registerApiProxy(fastify: FastifyInstance, opts: ProxyOptions): Promise<void> {
  await fastify.register(async (scope) => {
    await scope.register(replyFrom, {
      disableCache: true,
      disableRequestLogging: true,
      undici: { headersTimeout: opts.timeoutMs, bodyTimeout: 5 * 60_000, connections: 64 },
    });
    // bodies pass through unparsed, whatever their type
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    // errors Fastify raises in this scope (a bad Content-Type, a cut-off body) get the fault body too
    scope.setErrorHandler((err, request, reply) => sendFault('keystone', opts.logger, err, request, reply));
    const handler = (request: FastifyRequest, reply: FastifyReply) => proxy(opts, request, reply);
    for (const url of ['/api/:service', '/api/:service/*']) scope.route({ method: [...PROXIED_METHODS], url, handler });
  });
}

function proxy(opts: ProxyOptions, request: FastifyRequest, reply: FastifyReply): void {
  const fail = (err: unknown) => sendFault('keystone', opts.logger, err, request, reply);
  try {
    const session = requireSession(opts.sessions, request);
    const m = API_PATH.exec(request.raw.url ?? '');
    if (!m) throw new BadRequest('An API path is /api/<service-type>/<path under its endpoint>, the service type in lower case.');
    const [, type, rest, query] = m;
    let endpoint: string;
    try {
      endpoint = catalogEndpoint(session.scoped.catalog, type);
    } catch (err) {
      throw new NotFound(`No ${type} API to reach: ${(err as Error).message}.`);
    }
    const requestId = (request as unknown as { requestId: string }).requestId;
    const bad = badUpstreamPath(rest ?? '', query ?? '');
    if (bad) throw new BadRequest(bad);
    const target = upstreamUrl(endpoint, rest, query);
    reply.from(target, {
      rewriteRequestHeaders: (_req, headers) => upstreamHeaders(headers, session.scoped.id, requestId),
      // no retries: a GET that got 503 is the API's answer, shown as it is
      retryDelay: () => null,
      onError: (_reply, { error }) => {
        const status = (error as { statusCode?: number }).statusCode;
        const why = (error as { cause?: Error }).cause?.message ?? error.message;
        fail(
          status === 504
            ? Object.assign(new ServiceUnavailable(`The ${type} API at ${endpoint} did not answer within ${opts.timeoutMs} ms.`), { status: 504 })
            : new ServiceUnavailable(`The ${type} API at ${endpoint} cannot be reached: ${why}.`),
        );
      },
    });
  } catch (err) {
    fail(err);
  }
}
