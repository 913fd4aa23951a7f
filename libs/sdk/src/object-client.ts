import {
  Agent as HttpAgent,
  ClientRequest,
  IncomingHttpHeaders,
  IncomingMessage,
  request as httpRequest,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { RequestRefused, ResourceNotFound, ServiceUnreachable, UnexpectedStatus } from './errors';
import { faultMessage } from './http';
import { sessionObjectAuth } from './object-types';
import type {
  CallOptions,
  ContainerEntry,
  ObjectAuth,
  ObjectClientOptions,
  ObjectDownload,
  ObjectEndpoint,
  ObjectEntry,
  ObjectReply,
  ObjectUpload,
  SloEntry,
  SloSegment,
} from './object-types';
import { NotRawReadable, RawGet } from './raw-get';
import { ServiceSession } from './session';

/** `/<container>/<name>`, each part percent-encoded, the object name's slashes kept. */
export function objectPath(container: string, name?: string): string {
  const c = `/${encodeURIComponent(container)}`;
  return name === undefined ? c : `${c}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

const unquote = (etag: string | string[] | undefined) => String(etag ?? '').replace(/"/g, '');
const count = (v: string | string[] | undefined) => Number(Array.isArray(v) ? v[0] : (v ?? 0));

function queryString(q: CallOptions['query']): string {
  if (q === undefined) return '';
  if (typeof q === 'string') return q ? `?${q}` : '';
  const parts = Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * The error for a status a call does not accept, as the other clients make them: ResourceNotFound
 * (404: no such account, container or object; `isNotFound(err)`), RequestRefused (another 4xx: 409 a
 * container that is not empty, 411, 413, 422 a body whose MD5 is not its ETag...), UnexpectedStatus
 * otherwise; `detail` is the text of Swift's body.
 */
export function swiftFailure(status: number, method: string, path: string, body: Buffer): UnexpectedStatus {
  const what = `object storage, ${method} ${path || '/'}`;
  const detail = faultMessage(body.subarray(0, 4096).toString('utf8'));
  if (status === 404) return new ResourceNotFound(what, detail);
  if (status >= 400 && status < 500) return new RequestRefused(status, what, detail);
  return new UnexpectedStatus(status, what, detail);
}

/** The whole body (an error's or a listing's). */
async function readAll(res: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Kumo's object service (or any Swift v1) as a service or tool calls it: account, container and
 * object operations, static large objects, bodies streamed both ways over keep-alive connections.
 * The token and storage URL come from a ServiceSession (the catalog's object-store endpoint) or are
 * given. A 401 drops the token and the request is sent once more with a new one (not for streamed
 * uploads, whose body is the caller's). A status a call does not accept is a typed error
 * (`swiftFailure`); a service that cannot be reached is ServiceUnreachable; a session that cannot
 * log in, LoginFailed.
 */
export class ObjectClient {
  private readonly auth: ObjectAuth;
  private readonly timeoutMs: number;
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;
  private readonly raw?: RawGet;

  constructor(
    auth: ServiceSession | ObjectAuth,
    private readonly opts: ObjectClientOptions = {},
  ) {
    this.auth = auth instanceof ServiceSession ? sessionObjectAuth(auth, opts.endpoint) : auth;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    const agent = { keepAlive: true, maxSockets: opts.maxSockets ?? 32 };
    this.http = new HttpAgent(agent);
    this.https = new HttpsAgent(agent);
    if (opts.rawBodies !== false)
      this.raw = new RawGet({ timeoutMs: this.timeoutMs, maxIdle: agent.maxSockets });
  }

  /** The account's storage URL (logs in when needed). */
  async storageUrl(): Promise<string> {
    return (await this.auth.current()).storageUrl;
  }

  /** Closes the idle keep-alive connections. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
    this.raw?.close();
  }

  // ---- requests -----------------------------------------------------------------------------

  /**
   * One request to `path` below the account (`''` is the account itself); resolves at the
   * response's headers with the body unread, whatever the status. `body` is sent whole.
   */
  async request(
    method: string,
    path: string,
    opts: CallOptions & { body?: Buffer | string } = {},
  ): Promise<IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      const ep = await this.auth.current();
      const req = this.open(method, ep, path, opts);
      const res = await this.response(req, ep, () => req.end(opts.body));
      if (res.statusCode !== 401 || attempt > 0) return res;
      res.resume();
      this.auth.invalidate(ep.token);
    }
  }

  /** A request whose status must be in `ok` (default: any 2xx); its body is read. */
  async call(
    method: string,
    path: string,
    opts: CallOptions & { body?: Buffer | string; ok?: number[] } = {},
  ): Promise<ObjectReply> {
    const res = await this.request(method, path, opts);
    const body = await readAll(res);
    const status = res.statusCode ?? 0;
    if (opts.ok ? !opts.ok.includes(status) : status < 200 || status > 299)
      throw swiftFailure(status, method, path, body);
    return { status, headers: res.headers, body };
  }

  private open(method: string, ep: ObjectEndpoint, path: string, opts: CallOptions): ClientRequest {
    const url = new URL(`${ep.storageUrl}${path}${queryString(opts.query)}`);
    const https = url.protocol === 'https:';
    const headers = { ...this.opts.headers?.(), ...opts.headers, 'x-auth-token': ep.token };
    const req = (https ? httpsRequest : httpRequest)(url, {
      method,
      headers,
      agent: https ? this.https : this.http,
      timeout: this.timeoutMs,
    });
    req.on('timeout', () => req.destroy(new Error(`no data for ${this.timeoutMs} ms on ${method} ${path}`)));
    return req;
  }

  /**
   * The response of `req` once `send` was called. A request that fails first is ServiceUnreachable,
   * unless the caller cut it (`abandoned()` is then the error).
   */
  private response(
    req: ClientRequest,
    ep: ObjectEndpoint,
    send: () => void,
    abandoned: () => Error | undefined = () => undefined,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      req.once('response', resolve);
      req.on('error', (err) =>
        reject(abandoned() ?? new ServiceUnreachable(new URL(ep.storageUrl).origin, err)),
      );
      send();
    });
  }

  // ---- account ------------------------------------------------------------------------------

  /** HEAD of the account: how many containers and objects, how many bytes. */
  async account(): Promise<{
    containers: number;
    objects: number;
    bytes: number;
    headers: IncomingHttpHeaders;
  }> {
    const r = await this.call('HEAD', '');
    return {
      containers: count(r.headers['x-account-container-count']),
      objects: count(r.headers['x-account-object-count']),
      bytes: count(r.headers['x-account-bytes-used']),
      headers: r.headers,
    };
  }

  /** One page of the account's containers (at most `limit`, the service's default 10,000). */
  async listContainers(
    q: { prefix?: string; marker?: string; limit?: number } = {},
  ): Promise<ContainerEntry[]> {
    const r = await this.call('GET', '', { query: { format: 'json', ...q }, ok: [200, 204] });
    return r.status === 204 || r.body.length === 0 ? [] : (JSON.parse(r.body.toString()) as ContainerEntry[]);
  }

  // ---- containers ---------------------------------------------------------------------------

  /** Creates the container, or updates its metadata (`headers`) when it exists. */
  async createContainer(container: string, opts: { headers?: Record<string, string> } = {}): Promise<void> {
    await this.call('PUT', objectPath(container), { headers: opts.headers, ok: [201, 202] });
  }

  /** HEAD of a container; ResourceNotFound when it does not exist. */
  async container(
    container: string,
  ): Promise<{ objects: number; bytes: number; headers: IncomingHttpHeaders }> {
    const r = await this.call('HEAD', objectPath(container));
    return {
      objects: count(r.headers['x-container-object-count']),
      bytes: count(r.headers['x-container-bytes-used']),
      headers: r.headers,
    };
  }

  /**
   * One page of a container's objects, by name (at most `limit`; the next page starts after the last
   * name: `marker`). With `missingOk`, a container that does not exist lists nothing.
   */
  async listObjects(
    container: string,
    q: { prefix?: string; marker?: string; limit?: number; missingOk?: boolean } = {},
  ): Promise<ObjectEntry[]> {
    const { missingOk, ...query } = q;
    const r = await this.call('GET', objectPath(container), {
      query: { format: 'json', ...query },
      ok: missingOk ? [200, 204, 404] : [200, 204],
    });
    return r.status !== 200 || r.body.length === 0 ? [] : (JSON.parse(r.body.toString()) as ObjectEntry[]);
  }

  /** Every object of the container (under `prefix`), page after page. */
  async *objects(
    container: string,
    q: { prefix?: string; missingOk?: boolean; pageSize?: number } = {},
  ): AsyncGenerator<ObjectEntry> {
    let marker: string | undefined;
    for (;;) {
      const page = await this.listObjects(container, {
        prefix: q.prefix,
        marker,
        limit: q.pageSize,
        missingOk: q.missingOk,
      });
      if (page.length === 0) return;
      yield* page;
      marker = page[page.length - 1].name;
    }
  }

  /** Deletes an empty container (RequestRefused 409 when it is not); false when there was none and `missingOk`. */
  async deleteContainer(container: string, opts: { missingOk?: boolean } = {}): Promise<boolean> {
    const r = await this.call('DELETE', objectPath(container), { ok: opts.missingOk ? [204, 404] : [204] });
    return r.status === 204;
  }

  // ---- objects ------------------------------------------------------------------------------

  /** HEAD of an object: its size and ETag (a large object's manifest: the whole object's). */
  async object(
    container: string,
    name: string,
  ): Promise<{ contentLength: number; etag: string; headers: IncomingHttpHeaders }> {
    const r = await this.call('HEAD', objectPath(container, name));
    return {
      contentLength: count(r.headers['content-length']),
      etag: unquote(r.headers.etag),
      headers: r.headers,
    };
  }

  /** PUT of an object held in memory; resolves with its ETag. */
  async putObject(
    container: string,
    name: string,
    body: Buffer | string,
    opts: CallOptions & { contentType?: string } = {},
  ): Promise<{ etag: string }> {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const headers = {
      'content-type': opts.contentType ?? 'application/octet-stream',
      ...opts.headers,
      'content-length': String(data.length),
    };
    const r = await this.call('PUT', objectPath(container, name), {
      headers,
      query: opts.query,
      body: data,
      ok: [201],
    });
    return { etag: unquote(r.headers.etag) };
  }

  /**
   * Starts a PUT whose body the caller streams into `body`: with a Content-Length when `contentLength`
   * is given (the service can check the size and needs no chunk framing), chunked otherwise.
   */
  async startPut(
    container: string,
    name: string,
    opts: CallOptions & { contentType?: string; contentLength?: number } = {},
  ): Promise<ObjectUpload> {
    const ep = await this.auth.current();
    const path = objectPath(container, name);
    const size = opts.contentLength;
    const headers = {
      'content-type': opts.contentType ?? 'application/octet-stream',
      ...opts.headers,
      ...(size === undefined ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(size) }),
    };
    const req = this.open('PUT', ep, path, { headers, query: opts.query });
    let abandoned: Error | undefined;
    const done = this.response(
      req,
      ep,
      () => req.flushHeaders(),
      () => abandoned,
    ).then(async (res) => {
      const body = await readAll(res);
      if (res.statusCode === 401) this.auth.invalidate(ep.token);
      if (res.statusCode !== 201) throw swiftFailure(res.statusCode ?? 0, 'PUT', path, body);
      return { etag: unquote(res.headers.etag), headers: res.headers };
    });
    // one waiter at a time (the writer waits for one drain before writing on)
    let failure: Error | undefined;
    let waiting: { resolve: () => void; reject: (err: Error) => void } | undefined;
    const settle = (err?: Error) => {
      const w = waiting;
      waiting = undefined;
      if (err) w?.reject(err);
      else w?.resolve();
    };
    done.then(
      () => settle(new Error(`the service answered the PUT of ${path} before its body was sent`)),
      (err: Error) => {
        failure = err;
        settle(err);
      },
    );
    req.on('drain', () => settle());
    req.on('close', () =>
      settle(failure ?? new Error(`the PUT of ${path} was closed before its body was sent`)),
    );
    const drained = () =>
      failure
        ? Promise.reject(failure)
        : new Promise<void>((resolve, reject) => (waiting = { resolve, reject }));
    const abort = (err = new Error(`the PUT of ${path} was abandoned`)) => {
      abandoned = err;
      req.destroy(err);
    };
    return { body: req, drained, done, abort };
  }

  /**
   * GET of an object (or of `range`, `bytes=a-b`): resolves at its headers with the body to stream;
   * `swiftFailure` for any status but 200 and 206 (ResourceNotFound: no such object).
   */
  async getObject(
    container: string,
    name: string,
    opts: CallOptions & { range?: string } = {},
  ): Promise<ObjectDownload> {
    const path = objectPath(container, name);
    const headers = { ...opts.headers, ...(opts.range ? { range: opts.range } : {}) };
    const got =
      (await this.rawGet(path, opts.query, headers)) ?? (await this.httpGet(path, opts.query, headers));
    if (got.status !== 200 && got.status !== 206)
      throw swiftFailure(got.status, 'GET', path, await readAll(got.body));
    return { ...got, contentLength: count(got.headers['content-length']), etag: unquote(got.headers.etag) };
  }

  private async httpGet(
    path: string,
    query: CallOptions['query'],
    headers: Record<string, string>,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Readable }> {
    const res = await this.request('GET', path, { query, headers });
    return { status: res.statusCode ?? 0, headers: res.headers, body: res };
  }

  /** A GET through RawGet (a 401 retried once), or undefined where it does not apply (https, no Content-Length). */
  private async rawGet(
    path: string,
    query: CallOptions['query'],
    headers: Record<string, string>,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Readable } | undefined> {
    if (!this.raw) return undefined;
    for (let attempt = 0; ; attempt++) {
      const ep = await this.auth.current();
      const url = new URL(`${ep.storageUrl}${path}${queryString(query)}`);
      if (url.protocol !== 'http:') return undefined;
      let res;
      try {
        res = await this.raw.get(url, { ...this.opts.headers?.(), ...headers, 'x-auth-token': ep.token });
      } catch (err) {
        if (err instanceof NotRawReadable) return undefined;
        throw new ServiceUnreachable(url.origin, err as Error);
      }
      if (res.status !== 401 || attempt > 0) return res;
      res.body.resume();
      this.auth.invalidate(ep.token);
    }
  }

  /** Deletes an object; false when there was none and `missingOk`. */
  async deleteObject(
    container: string,
    name: string,
    opts: CallOptions & { missingOk?: boolean } = {},
  ): Promise<boolean> {
    const r = await this.call('DELETE', objectPath(container, name), {
      ...opts,
      ok: opts.missingOk ? [200, 204, 404] : [200, 204],
    });
    return r.status !== 404;
  }

  // ---- static large objects -----------------------------------------------------------------

  /** PUTs the manifest of a static large object made of `segments` (each already stored). */
  async putManifest(
    container: string,
    name: string,
    segments: SloSegment[],
    opts: { contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<{ etag: string }> {
    return this.putObject(container, name, JSON.stringify(segments), {
      ...opts,
      query: 'multipart-manifest=put',
    });
  }

  /** The segments of a static large object, as its stored manifest lists them. */
  async manifest(container: string, name: string): Promise<SloEntry[]> {
    const r = await this.call('GET', objectPath(container, name), {
      query: 'multipart-manifest=get',
      ok: [200],
    });
    return JSON.parse(r.body.toString()) as SloEntry[];
  }

  /** Deletes a static large object: its manifest and its segments; false when there was none and `missingOk`. */
  async deleteManifest(
    container: string,
    name: string,
    opts: { missingOk?: boolean } = {},
  ): Promise<boolean> {
    return this.deleteObject(container, name, {
      query: 'multipart-manifest=delete',
      missingOk: opts.missingOk,
    });
  }
}
