import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { runWithContext, ServiceUnavailable, Unauthorized } from '@kumo/common';
import { FakeTokenValidator } from '../src/fake-token-validator';
import { AuthContext } from '../src/auth-context';
import { CachingTokenValidator, KeystoneTokenValidator } from '../src/token-validator';

function tokenBody(user: string, expiresAt = new Date(Date.now() + 3600_000)): unknown {
  return {
    token: {
      methods: ['password'],
      user: { id: `${user}-id`, name: user, domain: { id: 'default', name: 'Default' }, password_expires_at: null },
      audit_ids: [`audit-${user}`],
      expires_at: expiresAt.toISOString().replace('Z', '000Z'),
      issued_at: new Date().toISOString(),
      project: { id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } },
      is_domain: false,
      roles: [{ id: 'r1', name: 'member' }],
    },
  };
}

/** Every token but `bad` valid (user `user-<token>`, project p1, or p2 for the token p2), answered after 5 ms, counting the calls. */
class CountingValidator extends FakeTokenValidator {
  constructor(expiresInMs = 3600_000) {
    super((token) => (token === 'bad' ? undefined : { userId: `user-${token}`, projectId: token === 'p2' ? 'p2' : 'p1', roles: ['member', 'reader'] }), { ttlMs: expiresInMs });
  }
  override async validate(token: string): Promise<AuthContext> {
    const answer = super.validate(token); // counted at once, answered after the delay
    answer.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 5));
    return answer;
  }
}

describe('CachingTokenValidator', () => {
  it('caches, shares in-flight validations and never caches failures', async () => {
    const inner = new CountingValidator();
    const cache = new CachingTokenValidator(inner);
    const [a, b] = await Promise.all([cache.validate('t1'), cache.validate('t1')]);
    expect(a.userId).toBe('user-t1');
    expect(b).toBe(a);
    await cache.validate('t1');
    expect(inner.calls).toBe(1);
    await expect(cache.validate('bad')).rejects.toBeInstanceOf(Unauthorized);
    await expect(cache.validate('bad')).rejects.toBeInstanceOf(Unauthorized);
    expect(inner.calls).toBe(3);
  });

  it('keeps an entry no longer than the token lives', async () => {
    let now = Date.now();
    const inner = new CountingValidator(1000);
    const cache = new CachingTokenValidator(inner, { now: () => now });
    await cache.validate('t1');
    now += 2000;
    await expect(cache.validate('t1')).rejects.toBeInstanceOf(Unauthorized);
  });

  it('evicts by audit id, user, project, or everything', async () => {
    const inner = new CountingValidator();
    const cache = new CachingTokenValidator(inner);
    await Promise.all(['t1', 't2', 'p2'].map((t) => cache.validate(t)));
    expect(cache.evict({ auditIds: ['audit-t1'] })).toBe(1);
    expect(cache.evict({ userId: 'user-t2' })).toBe(1);
    expect(cache.evict({ projectId: 'p1' })).toBe(0);
    expect(cache.evict({ projectId: 'p2' })).toBe(1);
    await cache.validate('t1');
    expect(cache.evict({ all: true })).toBe(1);
    expect(cache.size).toBe(0);
  });
});

describe('KeystoneTokenValidator', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }> = [];
  let serviceTokens = 0;
  let rejectServiceTokenOnce = false;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers });
      if (req.method === 'POST') {
        serviceTokens++;
        res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': `svc-${serviceTokens}` });
        res.end(JSON.stringify(tokenBody('kumo')));
        return;
      }
      if (rejectServiceTokenOnce) {
        rejectServiceTokenOnce = false;
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      if (req.headers['x-subject-token'] === 'garbled') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"nope":1}');
        return;
      }
      if (req.headers['x-subject-token'] === 'good') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(tokenBody('alice')));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, title: 'Not Found', message: 'Could not find token.' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const creds = () => ({ auth_url: url, username: 'kumo', password: 'pw', project_name: 'service', user_domain_id: 'default', project_domain_id: 'default' });

  it('validates with a reused service token and carries the request id', async () => {
    const v = new KeystoneTokenValidator(creds());
    const requestId = 'req-11111111-2222-3333-4444-555555555555';
    const ctx = await runWithContext({ requestId }, () => v.validate('good'));
    expect(ctx).toMatchObject({ userName: 'alice', projectId: 'p1', roles: ['member', 'reader'] });
    await v.validate('good');
    expect(serviceTokens).toBe(1);
    const check = seen.find((s) => s.method === 'GET' && s.headers['x-openstack-request-id'] === requestId);
    expect(check?.headers['x-auth-token']).toBe('svc-1');
    expect(check?.url).toBe('/v3/auth/tokens?nocatalog');
  });

  it('re-authenticates when its service token is rejected', async () => {
    const v = new KeystoneTokenValidator(creds());
    await v.validate('good');
    const before = serviceTokens;
    rejectServiceTokenOnce = true;
    await expect(v.validate('good')).resolves.toMatchObject({ userName: 'alice' });
    expect(serviceTokens).toBe(before + 1);
  });

  it('answers Unauthorized for an unknown token and ServiceUnavailable when identity is down', async () => {
    const v = new KeystoneTokenValidator(creds());
    await expect(v.validate('bad')).rejects.toBeInstanceOf(Unauthorized);
    const down = new KeystoneTokenValidator({ ...creds(), auth_url: 'http://127.0.0.1:1/v3' }, 2000);
    await expect(down.validate('good')).rejects.toBeInstanceOf(ServiceUnavailable);
    await expect(v.validate('garbled')).rejects.toThrow(new ServiceUnavailable('Identity answered a token validation with a body that is not a token.'));
  });
});
