import 'reflect-metadata';
import { DynamicModule, INestApplication, LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { acceptRequestId, REQUEST_ID_HEADER, runWithContext } from './context';
import { FaultFilter } from './fault.filter';
import type { FaultStyle } from './faults';
import { clientErrorHandler, frameworkErrorHandler } from './http-edge';
import { recordedRoutes, recordRoutes } from './route-table';
export type { HttpRoute } from './route-table';

export interface HttpAppOptions {
  service: string;
  faultStyle: FaultStyle;
  logger: Logger;
  /** Largest accepted request body in bytes (default 1 MiB; larger → 413). */
  bodyLimit?: number;
  /** Extra response headers that repeat the request id (e.g. x-compute-request-id). */
  requestIdAliases?: string[];
  /** Parse JSON bodies (default true); object/image services stream raw bodies instead. */
  jsonBodies?: boolean;
  /** Route `/a/` as `/a` (default false): Nova's version documents are linked with a trailing slash. */
  ignoreTrailingSlash?: boolean;
}

class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
}

/**
 * Creates a NestJS app on Fastify with Kumo's HTTP edge: the request context (x-openstack-request-id
 * taken from the request or made, echoed on every response), access logs, body limit, the JSON
 * parser that tolerates empty bodies, and the one fault filter in the service's OpenStack style.
 */
export async function createHttpApp(module: Type<unknown> | DynamicModule, opts: HttpAppOptions): Promise<NestFastifyApplication> {
  const edge = { style: opts.faultStyle, logger: opts.logger, aliases: opts.requestIdAliases ?? [] };
  const adapter = new FastifyAdapter({
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    logger: false,
    return503OnClosing: false,
    // a path parameter may be a Glance tag (255 characters) or a name; longer ones answer 414
    maxParamLength: 1024,
    ignoreTrailingSlash: opts.ignoreTrailingSlash ?? false,
    // errors raised before a route or a hook runs still get the request id and the fault body
    // (cast: @nestjs/platform-fastify may bring its own copy of fastify's types)
    frameworkErrors: frameworkErrorHandler(edge) as never,
    clientErrorHandler: clientErrorHandler(edge),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: new PinoNestLogger(opts.logger),
    bufferLogs: false,
    // Our own JSON parser (installEdge) accepts empty bodies; Nest's would replace it.
    bodyParser: false,
  });
  installEdge(app.getHttpAdapter().getInstance() as unknown as FastifyInstance, opts);
  app.useGlobalFilters(new FaultFilter(opts.faultStyle, opts.logger));
  return app;
}

function installEdge(fastify: FastifyInstance, opts: HttpAppOptions): void {
  const aliases = opts.requestIdAliases ?? [];
  recordRoutes(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    const requestId = acceptRequestId(request.headers[REQUEST_ID_HEADER]);
    (request as unknown as { requestId: string }).requestId = requestId;
    reply.header(REQUEST_ID_HEADER, requestId);
    for (const alias of aliases) reply.header(alias, requestId);
    runWithContext({ requestId }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    opts.logger.info(
      {
        requestId: (request as unknown as { requestId: string }).requestId,
        method: request.method,
        url: request.url.replace(/([?&](?:temp_url_sig|password)=)[^&]*/g, '$1***'),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });
  // Errors raised before Nest routes the request (body parsing, too large) and unknown routes reach
  // Nest's own error and not-found handlers, which pass them to the global FaultFilter.
  if (opts.jsonBodies !== false) {
    // a JSON API refuses other bodies (415) instead of handing a text/plain string to a handler
    fastify.removeContentTypeParser(['application/json', 'text/plain']);
    fastify.addContentTypeParser(/^application\/([\w.-]+\+)?json/, { parseAs: 'string' }, (_req, body, done) => {
      const text = body as string;
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        done(Object.assign(new Error(`Malformed JSON in request body: ${(err as Error).message}`), { statusCode: 400 }), undefined);
      }
    });
  }
}

/** The routes an app made by createHttpApp serves (after `init()`), e.g. for the fuzz tier. */
export function httpRoutes(app: INestApplication): import('./route-table').HttpRoute[] {
  return recordedRoutes(app.getHttpAdapter().getInstance() as object);
}

/** Listens and logs where. */
export async function listen(app: INestApplication, port: number, host: string, logger: Logger): Promise<void> {
  await app.listen(port, host);
  logger.info({ port, host }, 'listening');
}
