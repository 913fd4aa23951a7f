import { join } from 'node:path';
import { loadConfig, Unauthorized } from '@kumo/common';
import { CachingTokenValidator, evictOnRevocation, KeystoneTokenValidator } from '@kumo/auth';
import { MessagingClient } from '@kumo/messaging';
import { identityConfigSections } from '../../src/config';
import { openrc, STACK_DIR } from '../compat/cli';

jest.setTimeout(60_000);

/**
 * Against the running stack: another service's guard (libs/auth's caching Keystone validator,
 * subscribed to the bus as every Kumo service is) stops accepting a token once it is revoked.
 */
describe('revocation reaches other services', () => {
  const config = loadConfig(identityConfigSections, { file: join(STACK_DIR, 'kumo.yaml'), env: {} });
  const admin = openrc('admin');
  const base = admin.OS_AUTH_URL.replace(/\/v3\/?$/, '');
  let bus: MessagingClient;

  beforeAll(() => {
    bus = new MessagingClient({ url: config.messaging.url, exchangePrefix: config.messaging.exchange_prefix, connectionName: 'kumo sys-test' });
  });
  afterAll(async () => {
    await bus.close();
  });

  async function issue(): Promise<string> {
    const res = await fetch(`${base}/v3/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: admin.OS_USERNAME, domain: { name: 'Default' }, password: admin.OS_PASSWORD } } },
          scope: { project: { name: admin.OS_PROJECT_NAME, domain: { name: 'Default' } } },
        },
      }),
    });
    expect(res.status).toBe(201);
    return res.headers.get('x-subject-token')!;
  }

  it('evicts a revoked token from a caching guard through the bus', async () => {
    const guard = new CachingTokenValidator(
      new KeystoneTokenValidator({
        auth_url: base,
        username: config.identity.service_user,
        password: config.identity.service_password!,
        project_name: 'service',
        user_domain_id: 'default',
        project_domain_id: 'default',
      }),
    );
    await evictOnRevocation(guard, (event, handler) => bus.subscribe(event, (_type, payload) => handler(payload)));
    const victim = await issue();
    const other = await issue();
    await expect(guard.validate(victim)).resolves.toMatchObject({ userName: 'admin', roles: expect.arrayContaining(['admin']) });
    await guard.validate(other);
    expect(guard.size).toBe(2);

    const del = await fetch(`${base}/v3/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': other, 'x-subject-token': victim } });
    expect(del.status).toBe(204);

    const started = Date.now();
    while (guard.size > 1 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
    expect(guard.size).toBe(1);
    await expect(guard.validate(victim)).rejects.toBeInstanceOf(Unauthorized);
    await expect(guard.validate(other)).resolves.toMatchObject({ userName: 'admin' });
  });
});
