import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { authenticate } from '../src/swift-auth';
import type { ObjectTarget } from '../src/object-args';

// trimmed from a real Kumo token (POST /v3/auth/tokens)
const catalog = [
  {
    type: 'identity',
    endpoints: [{ interface: 'public', region: 'RegionOne', url: 'http://127.0.0.1:5000/v3' }],
  },
  {
    type: 'object-store',
    endpoints: [
      { interface: 'admin', region: 'RegionOne', url: 'http://10.0.0.1:8080/v1/AUTH_c3cf' },
      { interface: 'public', region: 'RegionTwo', url: 'http://10.0.0.2:8080/v1/AUTH_c3cf' },
      { interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: 'http://127.0.0.1:8080/v1/AUTH_c3cf/' },
    ],
  },
];

describe('bench keystone authentication', () => {
  let server: Server;
  let url = '';
  let body: { catalog?: unknown[] } = {};
  const logins: unknown[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        logins.push(JSON.parse(raw));
        const token = { expires_at: new Date(Date.now() + 3600_000).toISOString(), ...body };
        res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': 'tok' }).end(JSON.stringify({ token }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  const target = (region?: string): ObjectTarget => ({
    name: 'kumo',
    url,
    storagePids: [],
    auth: { kind: 'keystone', user: 'admin', password: 'pw', project: 'admin', domain: 'Default', region },
  });

  it('logs in with domains by name and picks the public object-store endpoint, in a region when asked', async () => {
    body = { catalog };
    await expect(authenticate(target())).resolves.toEqual({ token: 'tok', storageUrl: 'http://10.0.0.2:8080/v1/AUTH_c3cf' });
    await expect(authenticate(target('RegionOne'))).resolves.toEqual({ token: 'tok', storageUrl: 'http://127.0.0.1:8080/v1/AUTH_c3cf' });
    expect(logins[0]).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'pw' } } },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    });
  });

  it('says what is missing', async () => {
    body = {};
    await expect(authenticate(target())).rejects.toThrow(/no catalog/);
    body = { catalog: [catalog[0]] };
    await expect(authenticate(target())).rejects.toThrow(/no object-store/);
    body = { catalog };
    await expect(authenticate(target('Elsewhere'))).rejects.toThrow(/^keystone .* as admin\/admin: .*no public endpoint in region Elsewhere/);
  });
});
