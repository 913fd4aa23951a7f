import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@kumo/common';
import { runWithContext, Unauthorized } from '@kumo/common/core';
import type { TokenValidator } from '@kumo/auth';
import { BackendClient, ProxyRings } from './backend-client';
import { answerClientError, txId } from './client-errors';
import { AccountController } from './controllers/account.controller';
import { ContainerController } from './controllers/container.controller';
import type { HttpMethod, ProxyController } from './controllers/controller';
import { ObjectController } from './controllers/object.controller';
import { infoDocument } from './info';
import { LargeObjects } from './large-objects';
import { ObjectReader } from './object-reader';
import { ObjectWriter } from './object-writer';
import { parseNames, ProxyRequest, RequestAuthorizer, splitUrl } from './request';
import { plain, sendJson } from './responses';
import { checkMethod, objectRoute } from './routes';
import { sendSwiftError, SwiftError } from './swift-errors';
import { Versioning } from './versioning';

export interface ProxyOptions extends ProxyRings {
  validator: TokenValidator;
  logger: Logger;
  /** identity's public URL, for WWW-Authenticate */
  identityUri: string;
  /**
   * How long the last replica of a write may take once a quorum stored it (default 500 ms, Swift's
   * post_quorum_timeout); tests that look at every replica right after a PUT set it long.
   */
  postQuorumMs?: number;
}

/**
 * The Swift v1 proxy: authenticates with identity tokens (libs/auth), finds replicas on the rings,
 * fans writes out to every replica and answers at quorum, reads from the first replica that has
 * the data, and renders listings as JSON, text or XML. This class parses, authorizes and dispatches
 * by OBJECT_ROUTES to the account, container and object controllers (Swift's proxy server).
 */
export class ProxyServer {
  private server?: Server;
  private readonly authorizer: RequestAuthorizer;
  /** by route template of OBJECT_ROUTES */
  private readonly controllers: Record<string, ProxyController>;

  constructor(private readonly opts: ProxyOptions) {
    const backends = new BackendClient(opts);
    const reader = new ObjectReader({ objectRing: opts.objectRing, logger: opts.logger });
    const writer = new ObjectWriter({ objectRing: opts.objectRing, backends, logger: opts.logger, postQuorumMs: opts.postQuorumMs });
    const list = (account: string, container: string, query: string) => backends.listContainer(account, container, query);
    const largeObjects = new LargeObjects({
      open: async (names, range) => (range ? ((await reader.openReplica(names, new Set(), range))?.res ?? null) : reader.open(names)),
      list,
    });
    const versioning = new Versioning({
      open: (names) => reader.open(names),
      write: (names, body, headers, length) => writer.write(names, body, headers, length),
      remove: (names) => backends.deleteObject(names),
      list,
      containerExists: async (account, container) => (await backends.containerInfo(account, container)).status < 300,
    });
    this.authorizer = new RequestAuthorizer(opts.validator, backends);
    this.controllers = {
      '/v1/{account}': new AccountController(backends),
      '/v1/{account}/{container}': new ContainerController(backends),
      '/v1/{account}/{container}/{object}': new ObjectController({ backends, reader, writer, largeObjects, versioning }),
    };
  }

  async listen(port: number, host: string): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('clientError', (err: Error & { code?: string }, socket: Socket) => answerClientError(err, socket, this.opts.logger));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
  }

  port(): number {
    return (this.server!.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    if (this.server) await new Promise((r) => this.server!.close(r));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = txId();
    const started = Date.now();
    res.setHeader('x-trans-id', id);
    res.setHeader('x-openstack-request-id', id);
    res.on('finish', () => this.opts.logger.info({ txId: id, method: req.method, path: req.url?.split('?')[0], status: res.statusCode, ms: Date.now() - started }, 'request'));
    try {
      await runWithContext({ requestId: id }, () => this.route(req, res, id));
    } catch (err) {
      // an answer before the body was read: the connection cannot carry another request
      if (!req.complete && !res.headersSent) res.setHeader('connection', 'close');
      if (err instanceof SwiftError) return sendSwiftError(res, err.status, err.detail, err.headers);
      if (err instanceof Unauthorized) return sendSwiftError(res, 401, undefined, { 'www-authenticate': `Keystone uri="${this.opts.identityUri}"` });
      this.opts.logger.error({ err, txId: id }, 'proxy request failed');
      sendSwiftError(res, 500);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const url = splitUrl(req.url ?? '/');
    if (url.pathname === '/info' || url.pathname === '/healthcheck') {
      checkMethod(objectRoute(url.pathname), req.method);
      return url.pathname === '/info' ? sendJson(res, infoDocument()) : plain(res, 200, 'OK');
    }
    const { account, container, object, route } = parseNames(url.pathname, req.method);
    const write = !['GET', 'HEAD'].includes(req.method ?? 'GET');
    const tempUrl = object !== undefined && url.query.has('temp_url_sig') ? await this.authorizer.checkTempUrl(req, url.query, account, container!, object) : undefined;
    const auth = tempUrl ? undefined : await this.authorizer.authorize(req, account, container, object, write);
    // Swift's bulk middleware is not part of this service (/info does not list it): without it Swift
    // would take these for a plain account POST or container PUT and answer 2xx having done nothing asked
    for (const op of ['bulk-delete', 'extract-archive']) {
      if (url.query.has(op)) throw new SwiftError(400, `${op} is not supported by this object service (/info lists what it implements)`);
    }
    const r: ProxyRequest = { req, res, txId: id, account, container, object, query: url.query, auth, tempUrl };
    // checkMethod (in parseNames) let through only the methods OBJECT_ROUTES lists for this route
    const controller = this.controllers[route.path];
    const handler = controller?.[req.method as HttpMethod];
    if (!handler) throw new SwiftError(405, undefined, { allow: route.methods.join(', ') });
    return handler.call(controller, r);
  }
}
