import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';

/** One request of the fuzz tier, as sent: `path` is already percent-encoded (raw bytes allowed). */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** A cut-off upload: Content-Length says `declared` bytes, only the body is sent, then the socket closes. */
  cutOff?: { declared: number };
  /** Which family of cases made it (params, query, body, headers, cut-off, random). */
  kind: string;
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * Sends one request (Node's client: header values it refuses are turned into a client error). A
 * kept-alive connection that the server closed just as it was reused is retried once on a new one
 * (Node's documented race, `request.reusedSocket`); the service's own resets still fail.
 */
export async function send(base: URL, req: FuzzRequest, timeoutMs = 10_000): Promise<FuzzResponse> {
  try {
    return await sendOnce(base, req, timeoutMs, agent);
  } catch (err) {
    if (!(err as { reusedSocket?: boolean }).reusedSocket) throw err;
    return sendOnce(base, req, timeoutMs, false);
  }
}

function sendOnce(base: URL, req: FuzzRequest, timeoutMs: number, via: Agent | false): Promise<FuzzResponse> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    let r: ReturnType<typeof httpRequest>;
    try {
      r = httpRequest(
        {
          host: base.hostname,
          port: base.port,
          method: req.method,
          path: req.path,
          headers: req.body ? { ...req.headers, 'content-length': String(req.body.length) } : req.headers,
          agent: via,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - start }));
          res.on('error', reject);
        },
      );
    } catch (err) {
      return reject(new Error(`the client refused to send it: ${(err as Error).message}`));
    }
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    r.on('error', (err) => reject(Object.assign(err, { reusedSocket: r.reusedSocket && (err as { code?: string }).code === 'ECONNRESET' })));
    r.end(req.body);
  });
}

/**
 * Sends the head and part of a body over a raw socket and holds the connection open while
 * `during()` runs (e.g. a probe request), then closes it without sending the rest.
 * Resolves with whatever the server answered meanwhile (often nothing).
 */
export function sendCutOff(base: URL, req: FuzzRequest, during: () => Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(base.port), base.hostname);
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      const headers = { host: base.host, ...req.headers, 'content-length': String(req.cutOff?.declared ?? 0) };
      const head = `${req.method} ${req.path} HTTP/1.1\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`;
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), req.body ?? Buffer.alloc(0)]));
      setTimeout(() => {
        during()
          .then(() => {
            socket.destroy();
            // give the server a moment to see the close before the next case
            setTimeout(() => resolve(Buffer.concat(got).toString('latin1')), 20);
          })
          .catch((err: unknown) => {
            socket.destroy();
            reject(err as Error);
          });
      }, 20);
    });
  });
}

export function closeAgent(): void {
  agent.destroy();
}
