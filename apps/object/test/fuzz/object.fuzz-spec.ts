import { closeAgent, fileCounts, FuzzTarget, swiftFault, itFuzzesEveryKind } from '@kumo/testing';
import { OBJECT_ROUTES } from '../../src/proxy/routes';
import { TestCluster } from '../support/cluster';

/**
 * The fuzz tier for object: every route and method of the proxy's route table (OBJECT_ROUTES), with
 * malformed input (libs/testing), against an in-process cluster of three storage nodes, as admin
 * (and with no or a bad token). No 5xx, Swift's fault body and a request id on every answer, no
 * object or database file created on a refusal, GET /info answers meanwhile.
 */
describe('object fuzz', () => {
  const cluster = new TestCluster();
  let target: FuzzTarget;

  beforeAll(async () => {
    await cluster.start(3);
    for (const [path, init] of [
      ['/fuzz-c', { method: 'PUT' }],
      ['/fuzz-c/fuzz-o', { method: 'PUT', body: 'fuzz object' }],
    ] as const) {
      const r = await cluster.fetch(path, init);
      if (r.status !== 201) throw new Error(`PUT ${path}: ${r.status} ${await r.text()}`);
    }
    target = {
      baseUrl: new URL(cluster.proxyUrl).origin,
      routes: OBJECT_ROUTES.flatMap((r) => r.methods.map((method) => ({ method, path: r.path }))),
      fault: swiftFault,
      probe: { method: 'GET', path: '/info' },
      snapshot: () => Promise.resolve(fileCounts(cluster.root, /\.(data|db)$/)),
      cases: {
        fixtures: { account: 'AUTH_p1', container: 'fuzz-c', object: 'fuzz-o' },
        auth: { 'x-auth-token': 'admin-token' },
        bodyKey: () => undefined,
      },
    };
  }, 60_000);

  afterAll(async () => {
    closeAgent();
    await cluster.stop();
  });

  it('reads its routes from OBJECT_ROUTES', () => {
    expect(target.routes).toContainEqual({ method: 'COPY', path: '/v1/{account}/{container}/{object}' });
  });

  itFuzzesEveryKind(() => target, 'Swift');
});
