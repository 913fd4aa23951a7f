import { BootstrapService } from '../src/services/bootstrap.service';
import { ADMIN_PASSWORD, IdentityTestApp, startIdentity } from './helpers/app';

/**
 * What the catalog names is what is deployed: bootstrap registers identity alone, `kumo-manage
 * catalog register` each service stack.sh deploys, and `catalog prune` removes Kumo's types that
 * an older bootstrap registered before anything served them.
 */
describe('catalog registration (bootstrap, kumo-manage catalog register|remove|prune)', () => {
  let t: IdentityTestApp;
  let boot: BootstrapService;
  const lines: string[] = [];
  const log = (l: string) => void lines.push(l);

  beforeAll(async () => {
    t = await startIdentity();
    boot = t.app.get(BootstrapService);
  });
  afterAll(async () => {
    await t.close();
  });

  /** The catalog of a fresh admin token: type -> interface -> URL. */
  async function catalog(): Promise<Record<string, Record<string, string>>> {
    const res = await t.inject('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN_PASSWORD } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } },
    });
    expect(res.status).toBe(201);
    const out: Record<string, Record<string, string>> = {};
    for (const svc of res.json.token.catalog as Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }>) {
      out[svc.type] = Object.fromEntries(svc.endpoints.map((e) => [e.interface, e.url]));
    }
    return out;
  }

  it('bootstrap registers identity alone', async () => {
    expect(await catalog()).toEqual({
      identity: { public: 'http://127.0.0.1:5000/v3', internal: 'http://127.0.0.1:5000/v3', admin: 'http://127.0.0.1:5000/v3' },
    });
  });

  it('registers a service with its three endpoints, idempotently, and moves them to a new URL', async () => {
    lines.length = 0;
    await boot.register({ type: 'image', name: 'glance', url: 'http://127.0.0.1:9292' }, log);
    expect(lines).toEqual(['created service image (glance)', 'created public endpoint http://127.0.0.1:9292', 'created internal endpoint http://127.0.0.1:9292', 'created admin endpoint http://127.0.0.1:9292']);
    lines.length = 0;
    await boot.register({ type: 'image', name: 'glance', url: 'http://127.0.0.1:9292' }, log);
    expect(lines).toEqual(['image (glance) is registered at http://127.0.0.1:9292']);
    await boot.register({ type: 'image', url: 'http://10.0.0.5:9292', internalUrl: 'http://192.168.0.5:9292' }, log);
    expect((await catalog()).image).toEqual({ public: 'http://10.0.0.5:9292', internal: 'http://192.168.0.5:9292', admin: 'http://192.168.0.5:9292' });
    const services = await t.inject('GET', '/v3/services?type=image', { token: await t.adminToken() });
    expect(services.json.services).toHaveLength(1);
    const endpoints = await t.inject(`GET`, `/v3/endpoints?service_id=${services.json.services[0].id}`, { token: await t.adminToken() });
    expect(endpoints.json.endpoints).toHaveLength(3);
  });

  it("registers a known type at Kumo's port and path without a URL, with the project substituted in tokens", async () => {
    await boot.register({ type: 'object-store' }, log);
    const projectId = (await t.inject('GET', '/v3/auth/projects', { token: await t.adminToken() })).json.projects.find((p: { name: string }) => p.name === 'admin').id;
    expect((await catalog())['object-store'].public).toBe(`http://127.0.0.1:8080/v1/AUTH_${projectId}`);
    await expect(boot.register({ type: 'dns' }, log)).rejects.toThrow('give the name of the dns service');
    await expect(boot.register({ type: 'dns', name: 'designate' }, log)).rejects.toThrow('give the URL of the dns service');
  });

  it("prunes what an older bootstrap registered (compute, network, volume) and keeps identity, what is deployed and others' services", async () => {
    for (const [type, name, url] of [
      ['compute', 'nova', 'http://127.0.0.1:8774/v2.1'],
      ['network', 'neutron', 'http://127.0.0.1:9696'],
      ['volumev3', 'cinderv3', 'http://127.0.0.1:8776/v3/%(project_id)s'],
      ['block-storage', 'cinder', 'http://127.0.0.1:8776/v3/%(project_id)s'],
      ['dns', 'designate', 'http://127.0.0.1:9001'],
    ]) {
      await boot.register({ type, name, url }, log);
    }
    lines.length = 0;
    await expect(boot.prune(['object-store', 'image'], log)).resolves.toBe(4);
    expect(lines.sort()).toEqual([
      'removed service block-storage (cinder) and its endpoints',
      'removed service compute (nova) and its endpoints',
      'removed service network (neutron) and its endpoints',
      'removed service volumev3 (cinderv3) and its endpoints',
    ]);
    expect(Object.keys(await catalog()).sort()).toEqual(['dns', 'identity', 'image', 'object-store']);
    await expect(boot.prune(['object-store', 'image'], log)).resolves.toBe(0);
    await expect(boot.remove('dns', log)).resolves.toBe(1);
    await expect(boot.remove('dns', log)).resolves.toBe(0);
    const left = await t.inject('GET', '/v3/endpoints', { token: await t.adminToken() });
    expect(left.json.endpoints).toHaveLength(9);
  });

  it('a second bootstrap keeps the registered services and adds nothing', async () => {
    await boot.run({ adminPassword: ADMIN_PASSWORD }, log);
    expect(Object.keys(await catalog()).sort()).toEqual(['identity', 'image', 'object-store']);
  });
});
