import { join } from 'node:path';
import { createLogger, loadConfig, Unauthorized } from '@kumo/common';
import { startServiceAuth } from '@kumo/auth';
import { identityConfigSections } from '../../src/config';
import { openrc, STACK_DIR } from '@kumo/testing';

jest.setTimeout(60_000);

/**
 * Against the running stack: another service's guard (libs/auth's startServiceAuth, the start-up
 * path of every Kumo service) stops accepting a token once it is revoked.
 */
describe('revocation reaches other services', () => {
  const config = loadConfig(identityConfigSections, { file: join(STACK_DIR, 'kumo.yaml'), env: {} });
  const admin = openrc('admin');
  const base = admin.OS_AUTH_URL.replace(/\/v3\/?$/, '');

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
    const auth = startServiceAuth({
      service: 'sys-test',
      credentials: { auth_url: base, username: config.identity.service_user, password: config.identity.service_password! },
      messaging: config.messaging,
      logger: createLogger('sys-test', 'silent'),
    });
    await auth.revocationFeedReady();
    const guard = auth.validator;
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
    await auth.close();
  });
});
