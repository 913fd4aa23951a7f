import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { SwiftClient, SwiftRequestError } from '../../src/drivers/swift-client';

/** One fake server playing identity (POST /v3/auth/tokens) and the object store (/v1/AUTH_svc/...). */
describe('SwiftClient authentication', () => {
  let server: Server;
  let base = '';
  let logins = 0;
  let withEndpoint = true;
  const revoked = new Set<string>();
  const seenTokens: string[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
        logins++;
        const endpoints = withEndpoint ? [{ interface: 'public', region: 'RegionOne', url: `${base}/v1/AUTH_svc/` }] : [];
        const token = { expires_at: new Date(Date.now() + 3600_000).toISOString(), catalog: [{ type: 'object-store', endpoints }] };
        res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': `tok-${logins}` });
        return void res.end(JSON.stringify({ token }));
      }
      const token = String(req.headers['x-auth-token']);
      seenTokens.push(`${req.method} ${req.url} ${token}`);
      if (revoked.has(token)) return void res.writeHead(401).end();
      res.writeHead(req.url === '/v1/AUTH_svc/c' ? 204 : 404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const client = () => new SwiftClient({ authUrl: `${base}/v3`, username: 'kumo', password: 'pw', projectName: 'service' });

  it('logs in once, sends to the catalog’s public object-store endpoint, and logs in again after a 401', async () => {
    logins = 0;
    const swift = client();
    await Promise.all([swift.expect('HEAD', '/c'), swift.expect('HEAD', '/c')]);
    expect(logins).toBe(1);
    expect(seenTokens.slice(-2)).toEqual(['HEAD /v1/AUTH_svc/c tok-1', 'HEAD /v1/AUTH_svc/c tok-1']);
    revoked.add('tok-1');
    await expect(swift.expect('HEAD', '/c')).resolves.toMatchObject({ status: 204 });
    expect(logins).toBe(2);
    expect(seenTokens.slice(-2)).toEqual(['HEAD /v1/AUTH_svc/c tok-1', 'HEAD /v1/AUTH_svc/c tok-2']);
  });

  it('answers 503 naming what is missing when the catalog has no public object-store endpoint', async () => {
    withEndpoint = false;
    try {
      const err = await client()
        .expect('HEAD', '/c')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SwiftRequestError);
      expect(err).toMatchObject({ status: 503, message: 'the image service cannot use the object store: the object-store service has no public endpoint (it has: none)' });
    } finally {
      withEndpoint = true;
    }
  });
});
