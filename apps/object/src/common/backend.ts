import { Agent, request, IncomingMessage } from 'node:http';
import type { RingDevice } from '../ring/ring-types';

/** One connection pool to all storage nodes. */
export const backendAgent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface BackendResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export function devicePath(dev: RingDevice, part: number, ...names: string[]): string {
  return `/${encodeURIComponent(dev.device)}/${part}/${names.map((n) => n.split('/').map(encodeURIComponent).join('/')).join('/')}`;
}

/** A small request to a storage node; a network error or timeout becomes status 503. */
export function backendRequest(
  dev: RingDevice,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  timeoutMs = 10_000,
  body?: string | Buffer,
): Promise<BackendResponse> {
  return new Promise((resolve) => {
    const req = request({ host: dev.ip, port, method, path, headers, agent: backendAgent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', () => resolve({ status: 503, headers: {}, body: Buffer.alloc(0) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 503, headers: {}, body: Buffer.alloc(0) }));
    req.end(body);
  });
}
