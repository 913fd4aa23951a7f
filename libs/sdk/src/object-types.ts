import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { EndpointQuery } from './catalog';
import type { ServiceSession } from './session';

/** A token and the account's storage URL (`http://host:8080/v1/AUTH_<project>`, no trailing slash). */
export interface ObjectEndpoint {
  token: string;
  storageUrl: string;
}

/** Where an ObjectClient gets its token and storage URL, and whom it tells when a token is refused. */
export interface ObjectAuth {
  current(): Promise<ObjectEndpoint>;
  /** The service answered 401 with `token`: the next `current()` should bring another one. */
  invalidate(token: string): void;
}

/** A service session's token, and the catalog's object-store endpoint (public unless asked otherwise). */
export function sessionObjectAuth(session: ServiceSession, q: EndpointQuery = {}): ObjectAuth {
  return {
    current: async () => ({
      token: await session.token(),
      storageUrl: await session.endpoint('object-store', q),
    }),
    invalidate: (token) => session.invalidate(token),
  };
}

/** A token and storage URL used as they are (tempauth, a token given on the command line, tests). */
export function fixedObjectAuth(storageUrl: string, token: string): ObjectAuth {
  const ep = { storageUrl: storageUrl.replace(/\/+$/, ''), token };
  return { current: async () => ep, invalidate: () => undefined };
}

export interface ObjectClientOptions {
  /** The catalog endpoint when given a ServiceSession (default: public, any region). */
  endpoint?: EndpointQuery;
  /** A request whose socket is idle this long fails (default 120 s). */
  timeoutMs?: number;
  /** Keep-alive connections per origin (default 32). */
  maxSockets?: number;
  /** Headers for every request, asked per request (e.g. the caller's x-openstack-request-id). */
  headers?: () => Record<string, string>;
  /**
   * Object GETs over plain HTTP read their bodies off the socket without Node's HTTP parser
   * (raw-get.ts: a third less CPU per byte); false: through node:http like every other request.
   */
  rawBodies?: boolean;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** The query string without `?`, or its parameters (encoded here). */
  query?: string | Record<string, string | number | undefined>;
}

/** A response whose body was read (listings, HEADs, small objects). */
export interface ObjectReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An object being downloaded: its headers, and its body to stream (read it to the end or destroy it). */
export interface ObjectDownload {
  /** 200, or 206 for a range */
  status: number;
  headers: IncomingHttpHeaders;
  /** bytes in `body` */
  contentLength: number;
  etag: string;
  body: Readable;
}

/** An object being uploaded: write its bytes to `body`, end it, then await `done`. */
export interface ObjectUpload {
  /** The request: `write()` returning false means wait for `drained()` before writing on. */
  body: Writable;
  /** Resolves once `body` may be written again; rejects when the upload failed meanwhile. */
  drained(): Promise<void>;
  /** The service's answer: the object's ETag (201), or the error of `swiftFailure` (possibly before `body` ended). */
  done: Promise<{ etag: string; headers: IncomingHttpHeaders }>;
  /** Gives up: the request is cut, `done` rejects with `err`. */
  abort(err?: Error): void;
}

/** One item of a container listing (format=json). */
export interface ObjectEntry {
  name: string;
  bytes: number;
  hash: string;
  content_type: string;
  last_modified: string;
}

/** One item of an account listing (format=json). */
export interface ContainerEntry {
  name: string;
  count: number;
  bytes: number;
  last_modified?: string;
}

/** A segment of a static large object, as its manifest is PUT (`multipart-manifest=put`). */
export interface SloSegment {
  /** `/<container>/<object>` */
  path: string;
  etag?: string;
  size_bytes?: number;
}

/** A segment as the stored manifest lists it (`multipart-manifest=get`). */
export interface SloEntry {
  /** `/<container>/<object>` */
  name: string;
  bytes: number;
  hash: string;
  content_type?: string;
  last_modified?: string;
}
