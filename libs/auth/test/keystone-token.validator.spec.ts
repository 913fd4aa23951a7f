import { runWithContext, ServiceUnavailable, Unauthorized } from '@kumo/common';
import { KeystoneTokenValidator } from '../src/keystone-token.validator';
import { closedPort, creds, FakeIdentity } from './fake-identity';

describe('KeystoneTokenValidator', () => {
  let identity: FakeIdentity;
  let url: string;

  beforeEach(async () => {
    identity = new FakeIdentity();
    url = await identity.start();
  });
  afterEach(async () => {
    await identity.stop();
  });

  it('validates with a service token obtained once by password and reused', async () => {
    const v = new KeystoneTokenValidator(creds(`${url}/v3/`));
    await expect(v.validate('good')).resolves.toMatchObject({
      userName: 'alice',
      projectName: 'demo',
      roles: ['member', 'reader'],
    });
    await expect(v.validate('good')).resolves.toMatchObject({ token: 'good' });
    expect(identity.issued).toBe(1);
    const [issue] = identity.seen;
    expect(issue.method).toBe('POST');
    expect(issue.url).toBe('/v3/auth/tokens?nocatalog');
    expect(JSON.parse(issue.body)).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'compute', domain: { id: 'default' }, password: 's3cret' } },
        },
        scope: { project: { name: 'service', domain: { id: 'default' } } },
      },
    });
    expect(
      identity.checks.map((c) => [c.url, c.headers['x-auth-token'], c.headers['x-subject-token']]),
    ).toEqual([
      ['/v3/auth/tokens?nocatalog', 'svc-1', 'good'],
      ['/v3/auth/tokens?nocatalog', 'svc-1', 'good'],
    ]);
  });

  it('obtains one service token for concurrent first validations', async () => {
    const v = new KeystoneTokenValidator(creds(url));
    await Promise.all([v.validate('good'), v.validate('good'), v.validate('good')]);
    expect(identity.issued).toBe(1);
  });

  it('carries the current request id', async () => {
    const v = new KeystoneTokenValidator(creds(url));
    const requestId = 'req-0b6a3c52-8f1e-4d7a-9c3b-2e5f6a7b8c9d';
    await runWithContext({ requestId }, () => v.validate('good'));
    expect(identity.seen.map((s) => s.headers['x-openstack-request-id'])).toEqual([requestId, requestId]);
  });

  it('renews the service token shortly before it expires', async () => {
    identity.serviceTokenLifetimeMs = 30_000;
    const v = new KeystoneTokenValidator(creds(url), { renewBeforeMs: 60_000 });
    await v.validate('good');
    await v.validate('good');
    expect(identity.issued).toBe(2);
    const later = new KeystoneTokenValidator(creds(url), { renewBeforeMs: 10_000 });
    await later.validate('good');
    await later.validate('good');
    expect(identity.issued).toBe(3);
  });

  it('re-obtains the service token when identity refuses it, and retries', async () => {
    const v = new KeystoneTokenValidator(creds(url));
    await v.validate('good');
    identity.accepted.clear(); // e.g. identity's keys rotated or the token was revoked
    await expect(v.validate('good')).resolves.toMatchObject({ userName: 'alice' });
    expect(identity.issued).toBe(2);
    expect(identity.checks.map((c) => c.headers['x-auth-token'])).toEqual(['svc-1', 'svc-1', 'svc-2']);
  });

  it('answers Unauthorized for an unknown (404) or expired token', async () => {
    const v = new KeystoneTokenValidator(creds(url));
    await expect(v.validate('revoked-or-unknown')).rejects.toBeInstanceOf(Unauthorized);
    await expect(v.validate('expired')).rejects.toThrow(
      new Unauthorized('The request you have made requires authentication.'),
    );
  });

  it('answers ServiceUnavailable when identity refuses even a fresh service token', async () => {
    const v = new KeystoneTokenValidator(creds(url), { logger: { warn: () => undefined } });
    identity.checkStatus = 401;
    await expect(v.validate('good')).rejects.toBeInstanceOf(ServiceUnavailable);
    expect(identity.issued).toBe(2);
  });

  it('answers ServiceUnavailable when the service credentials are refused', async () => {
    identity.refuseServiceCredentials = true;
    const v = new KeystoneTokenValidator(creds(url), { logger: { warn: () => undefined } });
    await expect(v.validate('good')).rejects.toThrow(
      new ServiceUnavailable('This service cannot authenticate to identity (HTTP 401).'),
    );
  });

  it('answers ServiceUnavailable when identity fails or returns garbage', async () => {
    const v = new KeystoneTokenValidator(creds(url), { logger: { warn: () => undefined } });
    identity.checkStatus = 500;
    await expect(v.validate('good')).rejects.toBeInstanceOf(ServiceUnavailable);
    identity.checkStatus = 200;
    identity.checkBody = '{"token": {"user": "nobody"}}';
    await expect(v.validate('good')).rejects.toThrow(/unreadable token body/);
    identity.checkBody = '<html>';
    await expect(v.validate('good')).rejects.toThrow(/unreadable body/);
  });

  it('answers ServiceUnavailable, not Unauthorized, when identity is down', async () => {
    const v = new KeystoneTokenValidator(creds(`http://127.0.0.1:${await closedPort()}`), {
      logger: { warn: () => undefined },
    });
    const err = await v.validate('good').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailable);
    expect((err as ServiceUnavailable).status).toBe(503);
    expect((err as Error).message).toMatch(/^Identity is unreachable \(ECONNREFUSED\)\.$/);
  });

  it('gives up after its timeout when identity does not answer', async () => {
    identity.silent = true;
    const v = new KeystoneTokenValidator(creds(url), { timeoutMs: 300, logger: { warn: () => undefined } });
    const started = Date.now();
    await expect(v.validate('good')).rejects.toThrow(
      new ServiceUnavailable('Identity is unreachable (no answer within 300 ms).'),
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
