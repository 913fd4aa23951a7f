import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { ServiceCredentials } from '../src/keystone-token.validator';
import { projectTokenBody } from './helpers';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Plays identity on 127.0.0.1: issues service tokens, validates subject tokens, misbehaves on demand. */
export class FakeIdentity {
  readonly seen: Seen[] = [];
  issued = 0;
  /** Service tokens identity accepts. */
  readonly accepted = new Set<string>();
  /** Subject tokens identity has revoked (404 from then on). */
  readonly revoked = new Set<string>();
  serviceTokenLifetimeMs = 3_600_000;
  refuseServiceCredentials = false;
  checkStatus?: number;
  checkBody?: string;
  silent = false;
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (this.silent) return; // never answers
        const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(typeof value === 'string' ? value : JSON.stringify(value));
        };
        if (req.method === 'POST') {
          if (this.refuseServiceCredentials)
            return json(401, {
              error: {
                code: 401,
                title: 'Unauthorized',
                message: 'The request you have made requires authentication.',
              },
            });
          const id = `svc-${++this.issued}`;
          this.accepted.add(id);
          const token = projectTokenBody();
          token.token.expires_at = new Date(Date.now() + this.serviceTokenLifetimeMs).toISOString();
          return json(201, token, { 'x-subject-token': id });
        }
        if (this.checkStatus !== undefined)
          return json(
            this.checkStatus,
            this.checkBody ?? { error: { code: this.checkStatus, title: 'x', message: 'x' } },
          );
        if (!this.accepted.has(String(req.headers['x-auth-token'])))
          return json(401, { error: { code: 401, title: 'Unauthorized', message: 'x' } });
        if (req.headers['x-subject-token'] === 'good' && !this.revoked.has('good'))
          return json(200, projectTokenBody(), { 'x-subject-token': 'good' });
        if (req.headers['x-subject-token'] === 'expired') {
          const body = projectTokenBody();
          body.token.expires_at = '2001-01-01T00:00:00.000000Z';
          return json(200, body);
        }
        return json(404, { error: { code: 404, title: 'Not Found', message: 'Could not find token: x.' } });
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  get checks(): Seen[] {
    return this.seen.filter((s) => s.method === 'GET');
  }
}

export const creds = (authUrl: string): ServiceCredentials => ({
  auth_url: authUrl,
  username: 'compute',
  password: 's3cret',
  project_name: 'service',
  user_domain_id: 'default',
  project_domain_id: 'default',
});

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
