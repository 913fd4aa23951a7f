/** Request and response bodies of a big transfer, streamed: nothing of the size is held in memory. */
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import { NotRawReadable, RawGet } from '@kumo/sdk';

/**
 * Streams `bytes` of data (`chunk` repeated) as a request body; resolves with the status. A server
 * that answers before it has read the whole body gets no more of it, and the connection is closed.
 */
export function upload(
  url: string,
  method: string,
  headers: Record<string, string>,
  bytes: number,
  chunk: Buffer,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(bytes) } }, (res) => {
      res.resume();
      res.on('end', () => {
        // an early answer (an error before the whole body went): the rest is never sent, nor the
        // connection reused, or its pending write would keep the process alive
        if (sent < bytes || !req.writableFinished) req.destroy();
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
          return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/**
 * Reads a response body to the end; resolves with status and byte count. The body is read off the
 * socket (@kumo/sdk's RawGet, not Node's HTTP parser, which copies every chunk: ~a third more CPU), so
 * that the load generator takes less of the machine's two cores from the servers it measures; an
 * answer without a Content-Length is read through node:http.
 */
export async function download(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; bytes: number }> {
  const u = new URL(url);
  if (u.protocol === 'http:') {
    const raw = new RawGet({ timeoutMs: 300_000, maxIdle: 0 });
    try {
      const res = await raw.get(u, headers);
      return { status: res.status, bytes: await countBytes(res.body) };
    } catch (err) {
      if (!(err instanceof NotRawReadable)) throw err;
    } finally {
      raw.close();
    }
  }
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      countBytes(res).then((bytes) => resolve({ status: res.statusCode ?? 0, bytes }), reject);
    })
      .on('error', reject)
      .end();
  });
}

function countBytes(body: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    body.on('data', (c: Buffer) => (bytes += c.length));
    body.on('end', () => resolve(bytes));
    body.on('error', reject);
  });
}
