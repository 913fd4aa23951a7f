import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { catalogEndpoint, EndpointNotFound, IdentityClient, LoginFailed, ServiceSession, ServiceUnreachable, UnexpectedStatus } from '../src';

const catalog = [
  { type: 'identity', endpoints: [{ interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: 'http://127.0.0.1:5000/v3' }] },
  {
    type: 'object-store',
    endpoints: [
      { interface: 'admin', region: 'RegionOne', url: 'http://10.0.0.1:8080/v1/AUTH_p' },
      { interface: 'public', region: 'RegionTwo', url: 'http://10.0.0.2:8080/v1/AUTH_p' },
      { interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: 'http://127.0.0.1:8080/v1/AUTH_p/' },
    ],
  },
];

/** A fake identity: logins (each a new token valid `lifetimeMs` after `now`), token checks. */
class FakeIdentity {
  server!: Server;
  url = '';
  logins: Array<{ url: string; body: Record<string, unknown> }> = [];
  checks: IncomingMessage['headers'][] = [];
  lifetimeMs = 3600_000;
  now = Date.now();
  refuseLogin = false;
  /** Tokens identity no longer accepts as X-Auth-Token. */
  rejected = new Set<string>();
  /** Delay of a login's answer, so that concurrent callers overlap. */
  loginDelayMs = 20;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method === 'POST' && req.url?.startsWith('/v3/auth/tokens')) {
      this.logins.push({ url: req.url, body: JSON.parse(Buffer.concat(chunks).toString()) });
      await new Promise((r) => setTimeout(r, this.loginDelayMs));
      if (this.refuseLogin) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":401}}');
      const token = { expires_at: new Date(this.now + this.lifetimeMs).toISOString().replace('Z', '000Z'), ...(req.url.includes('nocatalog') ? {} : { catalog }) };
      res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': `svc-${this.logins.length}` });
      return void res.end(JSON.stringify({ token }));
    }
    if (req.method === 'GET' && req.url === '/v3/auth/tokens?nocatalog') {
      this.checks.push(req.headers);
      if (this.rejected.has(String(req.headers['x-auth-token']))) return void res.writeHead(401).end();
      const subject = req.headers['x-subject-token'];
      if (subject === 'good') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":{"user":{"name":"alice"}}}');
      if (subject === 'broken') return void res.writeHead(500).end();
      return void res.writeHead(404).end('{"error":{"code":404}}');
    }
    res.writeHead(404).end();
  }
}

describe('ServiceSession', () => {
  const idp = new FakeIdentity();
  beforeAll(() => idp.start());
  afterAll(() => idp.stop());
  beforeEach(() => {
    idp.logins = [];
    idp.checks = [];
    idp.now = Date.now();
    idp.refuseLogin = false;
    idp.rejected.clear();
  });
  const creds = () => ({ authUrl: `${idp.url}/v3/`, username: 'kumo', password: 'pw', projectName: 'service' });

  it('logs in with a password scoped to the project, by domain id unless a name is given', async () => {
    await new ServiceSession(creds()).token();
    await new ServiceSession({ ...creds(), userDomainName: 'Users', projectDomainName: 'Projects' }).token();
    expect(idp.logins.map((l) => l.body)).toEqual([
      {
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'kumo', domain: { id: 'default' }, password: 'pw' } } },
          scope: { project: { name: 'service', domain: { id: 'default' } } },
        },
      },
      {
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'kumo', domain: { name: 'Users' }, password: 'pw' } } },
          scope: { project: { name: 'service', domain: { name: 'Projects' } } },
        },
      },
    ]);
    expect(idp.logins[0].url).toBe('/v3/auth/tokens');
  });

  it('shares one in-flight login between concurrent callers', async () => {
    const s = new ServiceSession(creds());
    const tokens = await Promise.all(Array.from({ length: 8 }, () => s.token()));
    expect(new Set(tokens)).toEqual(new Set(['svc-1']));
    expect(idp.logins).toHaveLength(1);
  });

  it('reuses the token, and renews it once it is within renewBeforeMs of its expiry', async () => {
    let now = idp.now;
    const s = new ServiceSession(creds(), { now: () => now, renewBeforeMs: 60_000 });
    expect(await s.token()).toBe('svc-1');
    now += 3600_000 - 61_000; // 61 s left: still used
    expect(await s.token()).toBe('svc-1');
    now += 2_000; // 59 s left: renewed before it expires
    expect(await s.token()).toBe('svc-2');
    expect(idp.logins).toHaveLength(2);
  });

  it('logs in again after a failed login, and says whose login failed', async () => {
    idp.refuseLogin = true;
    const s = new ServiceSession(creds());
    const err = await s.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoginFailed);
    expect((err as LoginFailed).message).toBe('identity refused the login of kumo (HTTP 401)');
    idp.refuseLogin = false;
    await expect(s.token()).resolves.toBe('svc-2');
  });

  it('finds endpoints in the catalog by type, interface and region', async () => {
    const s = new ServiceSession(creds());
    await expect(s.endpoint('object-store')).resolves.toBe('http://10.0.0.2:8080/v1/AUTH_p');
    await expect(s.endpoint('object-store', { region: 'RegionOne' })).resolves.toBe('http://127.0.0.1:8080/v1/AUTH_p');
    await expect(s.endpoint('object-store', { interface: 'admin' })).resolves.toBe('http://10.0.0.1:8080/v1/AUTH_p');
    expect(idp.logins).toHaveLength(1);
  });

  it('names what is missing when the catalog has no such endpoint', async () => {
    const s = new ServiceSession(creds());
    await expect(s.endpoint('image')).rejects.toThrow(new EndpointNotFound('the catalog has no image service (it has: identity, object-store)'));
    await expect(s.endpoint('object-store', { interface: 'internal' })).rejects.toThrow(
      'the object-store service has no internal endpoint (it has: admin in RegionOne, public in RegionTwo, public in RegionOne)',
    );
    await expect(s.endpoint('object-store', { region: 'Elsewhere' })).rejects.toThrow(/has no public endpoint in region Elsewhere/);
    const bare = new ServiceSession(creds(), { catalog: false });
    await expect(bare.endpoint('object-store')).rejects.toThrow('the token has no catalog');
    expect(idp.logins[idp.logins.length - 1].url).toBe('/v3/auth/tokens?nocatalog');
    expect(() => catalogEndpoint([{ type: 'object-store' }], 'object-store')).toThrow('the object-store service has no public endpoint (it has: none)');
  });

  it('says which service is unreachable', async () => {
    const s = new ServiceSession({ ...creds(), authUrl: 'http://127.0.0.1:1/v3' }, { timeoutMs: 2000 });
    const err = await s.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnreachable);
    expect((err as Error).message).toMatch(/^http:\/\/127\.0\.0\.1:1 is unreachable: /);
  });
});

describe('IdentityClient.validateToken', () => {
  const idp = new FakeIdentity();
  beforeAll(() => idp.start());
  afterAll(() => idp.stop());
  const session = () => new ServiceSession({ authUrl: idp.url, username: 'kumo', password: 'pw', projectName: 'service' }, { catalog: false });

  it('answers the body of a valid token and null for an invalid one, with one login', async () => {
    const s = session();
    const identity = new IdentityClient(s);
    await expect(identity.validateToken('good')).resolves.toEqual({ token: { user: { name: 'alice' } } });
    await expect(identity.validateToken('nope')).resolves.toBeNull();
    expect(s.logins).toBe(1);
    expect(idp.checks.map((h) => [h['x-auth-token'], h['x-subject-token']])).toEqual([
      [expect.stringMatching(/^svc-/), 'good'],
      [expect.stringMatching(/^svc-/), 'nope'],
    ]);
  });

  it('logs in again once when identity refuses the session token', async () => {
    const s = session();
    const identity = new IdentityClient(s);
    const first = await s.token();
    idp.rejected.add(first);
    await expect(identity.validateToken('good')).resolves.toBeTruthy();
    expect(s.logins).toBe(2);
    expect(await s.token()).not.toBe(first);
  });

  it('throws UnexpectedStatus for any other answer', async () => {
    await expect(new IdentityClient(session()).validateToken('broken')).rejects.toThrow(new UnexpectedStatus(500, 'identity, validating a token'));
  });
});
