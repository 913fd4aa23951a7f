import type { IncomingHttpHeaders } from 'node:http';
import { connect, Socket } from 'node:net';
import { Readable } from 'node:stream';

/** A response to a RawGet: its status and headers, and the body read straight off the socket. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** exactly Content-Length bytes; fails when the connection ends before them */
  body: Readable;
  contentLength: number;
}

/** The answer had no Content-Length body (chunked, or none): ask again with a full HTTP client. */
export class NotRawReadable extends Error {}

const MAX_HEAD = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

/** Status line and headers, names lowercased (a repeated header's values joined with ", "). */
export function parseHead(head: string): { status: number; headers: IncomingHttpHeaders } {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]);
  if (!m) throw new Error(`not an HTTP/1.x status line: ${JSON.stringify(lines[0].slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`a malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(m[1]), headers };
}

/**
 * GETs over plain HTTP/1.1 whose bodies are read off the socket as it delivers them, without
 * Node's HTTP parser: that parser copies every body chunk into a new buffer and wraps it in an
 * IncomingMessage, which made a third of an image download's CPU in the image service (measured:
 * 0.30-0.37 s instead of 0.43-0.55 s of relay CPU per 256 MiB). Only answers with a Content-Length
 * are read this way; anything else (chunked, no length) is NotRawReadable, and the caller asks
 * again through node:http. Connections are kept alive and reused; one that the server closed while
 * idle is retried once on a new one.
 */
export class RawGet {
  private readonly idle = new Map<string, Socket[]>();

  constructor(private readonly opts: { timeoutMs: number; maxIdle?: number }) {}

  /** `url` must be http:. Resolves at the response's headers. */
  async get(url: URL, headers: Record<string, string>): Promise<RawResponse> {
    const reused = this.take(url.host);
    try {
      return await this.send(reused ?? this.open(url), url, headers);
    } catch (err) {
      // a kept-alive connection the server had closed: once more on a new one
      if (reused && (err as { beforeResponse?: boolean }).beforeResponse)
        return this.send(this.open(url), url, headers);
      throw err;
    }
  }

  /** Closes the idle connections. */
  close(): void {
    for (const list of this.idle.values()) for (const s of list) s.destroy();
    this.idle.clear();
  }

  private open(url: URL): Socket {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) });
    socket.setNoDelay(true);
    return socket;
  }

  private take(host: string): Socket | undefined {
    const list = this.idle.get(host);
    for (let s = list?.pop(); s; s = list?.pop()) {
      s.removeAllListeners();
      s.pause();
      s.ref();
      if (!s.destroyed && s.readyState === 'open') return s;
      s.destroy();
    }
    return undefined;
  }

  private keep(host: string, socket: Socket): void {
    socket.removeAllListeners();
    socket.setTimeout(0);
    const list = this.idle.get(host) ?? [];
    if (list.length >= (this.opts.maxIdle ?? 8)) return void socket.destroy();
    const drop = () => {
      socket.destroy();
      const i = list.indexOf(socket);
      if (i >= 0) list.splice(i, 1);
    };
    // the server closes it, or it says anything unasked: it is not reused
    socket.once('close', drop).once('end', drop).once('data', drop).once('error', drop);
    socket.resume();
    socket.unref(); // an idle connection keeps no process alive
    list.push(socket);
    this.idle.set(host, list);
  }

  private send(socket: Socket, url: URL, headers: Record<string, string>): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      let head: Buffer = Buffer.alloc(0);
      const fail = (err: Error, beforeResponse: boolean) => {
        socket.destroy();
        reject(Object.assign(err, { beforeResponse }));
      };
      const onData = (d: Buffer) => {
        head = head.length ? Buffer.concat([head, d]) : d;
        const end = head.indexOf(HEAD_END);
        if (end < 0 ? head.length > MAX_HEAD : end > MAX_HEAD)
          return fail(new Error('the response head is over 64 KiB'), false);
        if (end < 0) return;
        socket.off('data', onData).off('error', onError).off('close', onClose);
        let parsed: { status: number; headers: IncomingHttpHeaders };
        try {
          parsed = parseHead(head.subarray(0, end).toString('latin1'));
        } catch (err) {
          return fail(err as Error, false);
        }
        const length = Number(parsed.headers['content-length']);
        if (
          parsed.headers['transfer-encoding'] !== undefined ||
          !Number.isSafeInteger(length) ||
          length < 0
        ) {
          socket.destroy();
          return reject(new NotRawReadable(`the answer to GET ${url.pathname} has no Content-Length body`));
        }
        const reusable = !/\bclose\b/i.test(String(parsed.headers.connection ?? ''));
        const body = new RawBody(socket, length, head.subarray(end + 4), (clean) =>
          reusable && clean ? this.keep(url.host, socket) : socket.destroy(),
        );
        resolve({ ...parsed, body, contentLength: length });
      };
      const onError = (err: Error) => fail(err, head.length === 0);
      const onClose = () => fail(new Error('the connection closed before the response'), head.length === 0);
      socket.on('data', onData).on('error', onError).on('close', onClose);
      socket.resume();
      socket.setTimeout(this.opts.timeoutMs, () =>
        socket.destroy(new Error(`no data for ${this.opts.timeoutMs} ms on GET ${url.pathname}`)),
      );
      const lines = [
        `GET ${url.pathname}${url.search} HTTP/1.1`,
        `Host: ${url.host}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        '',
        '',
      ];
      socket.write(lines.join('\r\n'));
    });
  }
}

/** Content-Length bytes of a socket as a stream, paused while the consumer is behind. */
class RawBody extends Readable {
  private left: number;

  constructor(
    private readonly socket: Socket,
    length: number,
    first: Buffer,
    /** told when the body is complete: `clean` when the socket holds nothing after it */
    private readonly release: (clean: boolean) => void,
  ) {
    super({ highWaterMark: 64 * 1024 });
    this.left = length;
    socket.on('data', (d: Buffer) => this.accept(d));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => {
      if (this.left > 0)
        this.destroy(new Error(`the connection closed ${this.left} bytes before the end of the body`));
    });
    socket.pause();
    if (first.length) this.accept(first);
    else if (length === 0) this.finish(true);
  }

  private accept(d: Buffer): void {
    if (this.left <= 0) return;
    const piece = d.length > this.left ? d.subarray(0, this.left) : d;
    this.left -= piece.length;
    if (this.left === 0) {
      this.push(piece);
      return this.finish(piece.length === d.length);
    }
    if (!this.push(piece)) this.socket.pause();
  }

  private finish(clean: boolean): void {
    this.socket.removeAllListeners('data').removeAllListeners('error').removeAllListeners('close');
    this.socket.pause();
    this.release(clean);
    this.push(null);
  }

  override _read(): void {
    if (this.left > 0) this.socket.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.left > 0) this.socket.destroy();
    cb(err);
  }
}
