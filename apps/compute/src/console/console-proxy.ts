import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { newRequestId, renderFault, statusTitle, type Logger } from '@kumo/common/core';
import type { Messaging } from '@kumo/messaging';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ConsoleAuthTokenRepository } from '../db/repositories/console-auth-token.repository';
import { hashConsoleToken } from '../services/console-tokens';
import type { ConsoleSettings } from './console.config';
import { CLOSE, ConsoleSession, type ConsoleEncoding } from './console-session';

export interface ConsoleProxyOptions {
  tokens: Pick<ConsoleAuthTokenRepository, 'consume'>;
  bus: Messaging;
  logger: Logger;
  settings: Pick<ConsoleSettings, 'allowed_origins' | 'agent_timeout_ms'>;
}

/** A refusal before the upgrade: the HTTP status and what the client is told. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The subprotocol a client offers that the proxy speaks: `binary` first (websockify's order), then `base64`. */
export function chooseEncoding(offered: Set<string>): ConsoleEncoding | 'none' | undefined {
  if (offered.size === 0) return 'none';
  if (offered.has('binary')) return 'binary';
  if (offered.has('base64')) return 'base64';
  return undefined;
}

/** The token a request carries: `?token=` (Nova's serial URL), else a `token` cookie (noVNC's habit). */
export function tokenOf(req: IncomingMessage): string | undefined {
  const url = new URL(req.url ?? '/', 'ws://proxy');
  const q = url.searchParams.get('token');
  if (q) return q;
  const cookie = /(?:^|;\s*)token=([^;]+)/.exec(req.headers.cookie ?? '');
  return cookie ? decodeURIComponent(cookie[1]) : undefined;
}

/**
 * Nova's origin check (console/websocketproxy.py): a browser's Origin must name the host the client
 * connected to (its Host header, port aside) or one of `allowed_origins`; no Origin (a non-browser
 * client) passes. Stops another site's page from opening a console with a token it got hold of.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === undefined;
  let originHost: string;
  try {
    originHost = new URL(origin).hostname.toLowerCase();
  } catch {
    return false;
  }
  const host =
    (req.headers['x-forwarded-host'] as string | undefined)?.split(',')[0].trim() ?? req.headers.host ?? '';
  let expected = '';
  try {
    expected = new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    // an unreadable Host header matches no origin
  }
  return originHost === expected || allowed.some((a) => a.toLowerCase() === originHost);
}

/**
 * The serial console proxy (Nova's nova-serialproxy): a websocket server on :6083. Before the
 * upgrade it checks the subprotocol, the origin and the one-time token (consumed atomically in the
 * database; 401 unknown, 403 used or expired), so a refused client gets an HTTP answer with a
 * reason; then a ConsoleSession bridges the websocket to the domain's console on its host. Every
 * log line of a connection carries that connection's request id. GET /healthcheck answers 200.
 */
export class ConsoleProxy {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<ConsoleSession>();
  private closing = false;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly o: ConsoleProxyOptions) {
    this.server = createServer((req, res) => this.plain(req, res));
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: 1 << 20,
      handleProtocols: (offered) => {
        const e = chooseEncoding(offered);
        return e === 'binary' || e === 'base64' ? e : false;
      },
    });
    this.server.on(
      'upgrade',
      (req: IncomingMessage, socket: Socket, head: Buffer) => void this.upgrade(req, socket, head),
    );
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => (this.server.off('error', reject), resolve()));
    });
    // pings keep NATs and proxies from dropping an idle console; a client that stops answering is dropped
    this.heartbeat = setInterval(() => {
      for (const ws of this.wss.clients) {
        const alive = ws as WebSocket & { kumoAlive?: boolean };
        if (alive.kumoAlive === false) {
          ws.terminate();
          continue;
        }
        alive.kumoAlive = false;
        ws.ping();
      }
    }, 30_000);
    this.heartbeat.unref();
    return (this.server.address() as AddressInfo).port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Open console sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stops accepting, closes every session with 1001 and waits for their libvirt connections to close. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    const ended = [...this.sessions].map(
      (s) => (s.close(CLOSE.GOING_AWAY, 'the console proxy is shutting down'), s.ended),
    );
    await Promise.all(ended);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
  }

  private plain(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthcheck' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : 'OK');
      return;
    }
    const f = renderFault('nova', {
      status: 400,
      message: 'This is the serial console proxy: open the URL the compute API gave with a websocket client.',
    });
    res.writeHead(f.status, { 'content-type': f.contentType, ...f.headers }).end(f.body);
  }

  private refuse(socket: Socket, requestId: string, status: number, message: string): void {
    const f = renderFault('nova', { status, message });
    const head = [
      `HTTP/1.1 ${status} ${statusTitle(status)}`,
      `content-type: ${f.contentType}`,
      `content-length: ${Buffer.byteLength(f.body)}`,
      `x-openstack-request-id: ${requestId}`,
      'connection: close',
    ];
    if (socket.writable) socket.end(`${head.join('\r\n')}\r\n\r\n${f.body}`);
    else socket.destroy();
  }

  private async upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const asked = req.headers['x-openstack-request-id'];
    const requestId = typeof asked === 'string' && REQUEST_ID.test(asked) ? asked : newRequestId();
    const log = this.o.logger.child({ requestId });
    socket.on('error', (err) => log.debug({ err }, 'console client socket error'));
    try {
      if (this.closing) throw new Refusal(503, 'The console proxy is shutting down.');
      const offered = new Set(
        String(req.headers['sec-websocket-protocol'] ?? '')
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      );
      const encoding = chooseEncoding(offered);
      if (!encoding)
        throw new Refusal(
          400,
          `The console speaks the 'binary' (or 'base64') websocket subprotocol; the client offered ${[...offered].join(', ')}.`,
        );
      if (!originAllowed(req, this.o.settings.allowed_origins))
        throw new Refusal(403, 'Origin header does not match this host.');
      const token = tokenOf(req);
      if (!token) throw new Refusal(401, 'The console URL has no token: ask the compute API for a new one.');
      const r = await this.o.tokens.consume(hashConsoleToken(token));
      if (!r.ok) {
        if (r.reason === 'unknown') throw new Refusal(401, 'The console token is not valid.');
        throw new Refusal(
          403,
          r.reason === 'used'
            ? 'The console token has already been used: each console URL opens one connection; ask for a new one.'
            : 'The console token has expired: ask the compute API for a new one.',
        );
      }
      const t = r.token;
      if (socket.destroyed)
        return void log.info(
          { instanceId: t.instanceUuid },
          'the console client went away before the upgrade (token spent)',
        );
      log.info(
        {
          instanceId: t.instanceUuid,
          host: t.host,
          tokenRequestId: t.requestId,
          remote: socket.remoteAddress,
          origin: req.headers.origin,
        },
        'serial console token accepted',
      );
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const alive = ws as WebSocket & { kumoAlive?: boolean };
        ws.on('pong', () => (alive.kumoAlive = true));
        const session = new ConsoleSession(ws, {
          ctx: { requestId },
          instanceUuid: t.instanceUuid,
          host: t.host,
          encoding: encoding === 'base64' ? 'base64' : 'binary',
          bus: this.o.bus,
          log,
          agentTimeoutMs: this.o.settings.agent_timeout_ms,
          // one console per server, the newest wins (libvirt's FORCE does that across proxies too)
          beforeOpen: async () => {
            const older = [...this.sessions].filter(
              (s) => s !== session && s.instanceUuid === t.instanceUuid,
            );
            for (const s of older)
              s.close(CLOSE.TAKEN_OVER, 'another console session of this server took the console over');
            await Promise.all(older.map((s) => s.ended));
          },
        });
        this.sessions.add(session);
        void session.ended.then(() => this.sessions.delete(session));
        void session.start();
      });
    } catch (err) {
      if (err instanceof Refusal) {
        log.info(
          { status: err.status, why: err.message, remote: socket.remoteAddress },
          'serial console refused',
        );
        return this.refuse(socket, requestId, err.status, err.message);
      }
      log.error({ err }, 'serial console upgrade failed');
      this.refuse(socket, requestId, 503, 'The console proxy could not check the token; try again.');
    }
  }
}
