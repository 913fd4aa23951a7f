/** Request and response bodies of a big transfer, streamed: nothing of the size is held in memory. */
import { request } from 'node:http';

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

/** Reads a response body to the end; resolves with status and byte count. */
export function download(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}
