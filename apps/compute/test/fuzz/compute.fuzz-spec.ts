import { httpRoutes } from '@kumo/common';
import { closeAgent, expandRoutes, FuzzTarget, itFuzzesEveryKind, novaFault, tableCounts } from '@kumo/testing';
import { startComputeApp, TestComputeApp } from '../support/app';
import { MemoryImages } from '../support/images';

/** The JSON key Nova wraps each route's body in (libs/testing's default would say `os-keypair`, `os-quota-set`). */
function bodyKey(route: { method: string; path: string }): string | undefined {
  if (route.path.endsWith('/os-keypairs')) return 'keypair';
  if (route.path.endsWith('/os-extra_specs')) return 'extra_specs';
  if (route.path.startsWith('/v2.1/os-quota-sets/')) return 'quota_set';
  if (route.path.endsWith('/flavors')) return 'flavor';
  if (route.path.endsWith('/servers') || route.path.endsWith('/servers/:id')) return 'server';
  if (route.path.endsWith('/metadata')) return 'metadata';
  if (route.path.endsWith('/metadata/:key')) return 'meta';
  if (route.path.endsWith('/remote-consoles')) return 'remote_console';
  return undefined;
}

/**
 * The fuzz tier for compute: every route Fastify registered, with malformed input (libs/testing),
 * over a real port, as admin (and with no or a bad token). No 5xx, Nova's fault body and a request
 * id on every answer, no row created by a refused request, GET /v2.1 answering meanwhile.
 */
describe('compute fuzz', () => {
  let t: TestComputeApp;
  let target: FuzzTarget;

  beforeAll(async () => {
    const images = new MemoryImages();
    const image = images.add();
    t = await startComputeApp({}, { images });
    // a private flavor with an extra spec and a project in its access list, and a key pair, so that cases reach past the lookups
    const flavor = await t.json('admin', 'POST', '/v2.1/flavors', { flavor: { id: 'fuzz', name: 'fuzz', ram: 64, vcpus: 1, disk: 0, 'os-flavor-access:is_public': false } });
    if (flavor.status !== 200) throw new Error(`flavor: ${flavor.status} ${JSON.stringify(flavor.body)}`);
    const spec = await t.json('admin', 'POST', '/v2.1/flavors/fuzz/os-extra_specs', { extra_specs: { 'hw:cpu_policy': 'shared' } });
    if (spec.status !== 200) throw new Error(`extra spec: ${spec.status}`);
    const access = await t.json('admin', 'POST', '/v2.1/flavors/fuzz/action', { addTenantAccess: { tenant: 'p-demo' } });
    if (access.status !== 200) throw new Error(`access: ${access.status}`);
    const kp = await t.json('admin', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'fuzz-key' } });
    if (kp.status !== 200) throw new Error(`keypair: ${kp.status}`);
    // a server (no scheduler runs: it stays in BUILD) with metadata, so that server routes reach past the lookup
    const server = await t.json('admin', 'POST', '/v2.1/servers', { server: { name: 'fuzz', imageRef: image.id, flavorRef: 'fuzz', metadata: { fuzz: 'x' } } });
    if (server.status !== 202) throw new Error(`server: ${server.status} ${JSON.stringify(server.body)}`);
    const actions = await t.json('admin', 'GET', `/v2.1/servers/${server.body.server.id}/os-instance-actions`);
    const json = 'application/json';
    target = {
      baseUrl: t.url,
      routes: expandRoutes(httpRoutes(t.app).map((r) => ({ method: r.method, path: r.url }))),
      fault: novaFault,
      probe: { method: 'GET', path: '/v2.1' },
      snapshot: () => tableCounts((sql) => t.db.dataSource.query(sql)),
      cases: {
        fixtures: { flavors: 'fuzz', 'os-extra_specs': 'hw:cpu_policy', 'os-keypairs': 'fuzz-key', 'os-quota-sets': 'p-demo', servers: server.body.server.id, metadata: 'fuzz', 'os-instance-actions': actions.body.instanceActions[0].request_id },
        auth: { 'x-auth-token': 'admin' },
        headers: { accept: json },
        bodyKey,
        extraBodies: (route) => {
          const bodies: Array<[string, string]> = [
            [json, '{"__proto__": {"admin": true}}'],
            [json, '{"constructor": {"prototype": {"x": 1}}}'],
          ];
          if (route.path.endsWith('/action')) {
            for (const b of [
              { addTenantAccess: { tenant: '__proto__' } },
              { removeTenantAccess: { tenant: 'x'.repeat(300) } },
              { addTenantAccess: null },
              { __proto__: { tenant: 'p' } },
              { addTenantAccess: { tenant: 'p-demo' }, removeTenantAccess: { tenant: 'p-demo' } },
              { 'os-getSerialConsole': { type: '__proto__' } },
              { 'os-getSerialConsole': null },
            ])
              bodies.push([json, JSON.stringify(b)]);
          }
          if (route.path.endsWith('/os-extra_specs/:key')) bodies.push([json, '{"toString": "x"}'], [json, '{"hw:cpu_policy": {"a": 1}}']);
          if (route.path.endsWith('/os-keypairs')) bodies.push([json, '{"keypair": {"name": "k", "public_key": "ssh-rsa AAAA\\u0000"}}'], [json, '{"keypair": {"name": "__proto__"}}']);
          return bodies;
        },
      },
    };
  }, 60_000);

  afterAll(async () => {
    closeAgent();
    await t?.close();
  });

  it('reads its routes from the app', () => {
    expect(target.routes).toContainEqual({ method: 'POST', path: '/v2.1/flavors/:id/action' });
    expect(target.routes).toContainEqual({ method: 'PUT', path: '/v2.1/flavors/:id/os-extra_specs/:key' });
    expect(target.routes).toContainEqual({ method: 'GET', path: '/v2.1/os-quota-sets/:id/detail' });
  });

  itFuzzesEveryKind(() => target, 'Nova');
});
