import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openrc, openstack, openstackJson, runCliOk, uniqueName } from '@kumo/testing';

jest.setTimeout(180_000);

const fixture = (name: string) => join(__dirname, '../fixtures', name);

/** Debian's openstack client (openstacksdk for flavors and key pairs, novaclient for quotas and limits) against the running stack's compute API. */
describe('compute with the real openstack client', () => {
  const admin = openrc('admin');
  const demo = openrc('demo');
  const work = mkdtempSync(join(tmpdir(), 'kumo-compute-compat-'));
  const flavors: string[] = [];
  const keypairs: Array<[string, Record<string, string>]> = [];

  afterAll(async () => {
    for (const id of flavors) await openstack(['flavor', 'delete', id], admin);
    for (const [name, env] of keypairs) await openstack(['keypair', 'delete', name], env);
    rmSync(work, { recursive: true, force: true });
  });

  /** A raw request to the compute endpoint of the catalog with the user's token (to see Nova's fault bodies, which the CLI summarizes). */
  async function raw(env: Record<string, string>, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const token = (await runCliOk('openstack', ['token', 'issue', '-f', 'value', '-c', 'id'], env)).trim();
    const url = (await runCliOk('openstack', ['endpoint', 'list', '--service', 'compute', '--interface', 'public', '-f', 'value', '-c', 'URL'], admin)).trim();
    const r = await fetch(`${url}${path}`, { method, headers: { 'x-auth-token': token, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, body: await r.json() };
  }

  it('lists the stack flavors (梅 ume, 竹 take, 松 matsu, tiny)', async () => {
    const list = await openstackJson<Array<{ ID: string; RAM: number; VCPUs: number; Disk: number }>>(['flavor', 'list'], demo);
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ID: 'ume', VCPUs: 2, RAM: 4096, Disk: 20 }),
        expect.objectContaining({ ID: 'take', VCPUs: 4, RAM: 8192, Disk: 40 }),
        expect.objectContaining({ ID: 'matsu', VCPUs: 8, RAM: 16384, Disk: 80 }),
        expect.objectContaining({ ID: 'tiny', VCPUs: 1, RAM: 256, Disk: 1 }),
      ]),
    );
  });

  it('creates, shows, sets and unsets properties of, and deletes a flavor', async () => {
    const name = uniqueName('kumo-flavor');
    const created = await openstackJson<Record<string, unknown>>(['flavor', 'create', '--vcpus', '2', '--ram', '512', '--disk', '3', '--swap', '128', '--ephemeral', '1', name], admin);
    flavors.push(String(created.id));
    expect(created).toMatchObject({ name, vcpus: 2, ram: 512, disk: 3, swap: 128, 'OS-FLV-EXT-DATA:ephemeral': 1, 'os-flavor-access:is_public': true, rxtx_factor: 1 });
    expect((await openstack(['flavor', 'set', '--property', 'hw:cpu_policy=shared', '--property', 'quota:cpu_shares=512', name], admin)).code).toBe(0);
    expect((await openstackJson<{ properties: Record<string, string> }>(['flavor', 'show', name], demo)).properties).toEqual({ 'hw:cpu_policy': 'shared', 'quota:cpu_shares': '512' });
    expect((await openstack(['flavor', 'unset', '--property', 'hw:cpu_policy', name], admin)).code).toBe(0);
    expect((await openstackJson<{ properties: Record<string, string> }>(['flavor', 'show', name], admin)).properties).toEqual({ 'quota:cpu_shares': '512' });
    expect((await openstack(['flavor', 'delete', name], admin)).code).toBe(0);
    flavors.pop();
    const gone = await openstack(['flavor', 'show', name], admin);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`No Flavor found for ${name}`);
  });

  it('creates a private flavor that only the projects given access see', async () => {
    const name = uniqueName('kumo-private');
    const created = await openstackJson<{ id: string }>(['flavor', 'create', '--private', '--vcpus', '1', '--ram', '64', '--disk', '0', name], admin);
    flavors.push(created.id);
    expect((await openstack(['flavor', 'show', name], demo)).code).toBe(1);
    expect((await openstack(['flavor', 'set', '--project', 'demo', name], admin)).code).toBe(0);
    const demoProject = (await runCliOk('openstack', ['project', 'show', 'demo', '-f', 'value', '-c', 'id'], admin)).trim();
    expect((await openstackJson<{ access_project_ids: string[] }>(['flavor', 'show', name], admin)).access_project_ids).toEqual([demoProject]);
    expect((await openstackJson<{ name: string }>(['flavor', 'show', name], demo)).name).toBe(name);
    expect((await openstackJson<Array<{ Name: string }>>(['flavor', 'list', '--all'], admin)).map((f) => f.Name)).toContain(name);
    expect((await openstack(['flavor', 'unset', '--project', 'demo', name], admin)).code).toBe(0);
    expect((await openstack(['flavor', 'show', name], demo)).code).toBe(1);
  });

  it('generates a key pair (the private key on stdout, once) and imports one from a file', async () => {
    const k = uniqueName('kumo-key');
    const generated = await openstack(['keypair', 'create', k], demo);
    expect(generated.code).toBe(0);
    keypairs.push([k, demo]);
    expect(createPrivateKey(generated.stdout).asymmetricKeyDetails?.modulusLength).toBe(2048);
    const k2 = uniqueName('kumo-key2');
    const imported = await openstackJson<{ fingerprint: string; name: string; type: string }>(['keypair', 'create', '--public-key', fixture('ed.pub'), k2], demo);
    keypairs.push([k2, demo]);
    expect(imported).toMatchObject({ name: k2, fingerprint: readFileSync(fixture('ed.md5'), 'utf8').trim(), type: 'ssh' });
    const list = await openstackJson<Array<{ Name: string; Fingerprint: string }>>(['keypair', 'list'], demo);
    expect(list.map((l) => l.Name)).toEqual(expect.arrayContaining([k, k2]));
    expect((await openstackJson<Array<{ Name: string }>>(['keypair', 'list'], admin)).map((l) => l.Name)).not.toContain(k);
    const shown = await openstackJson<{ name: string; fingerprint: string; user_id: string; private_key: unknown }>(['keypair', 'show', k], demo);
    expect(shown).toMatchObject({ name: k, private_key: null });
    expect(shown.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect((await openstack(['keypair', 'delete', k, k2], demo)).code).toBe(0);
    keypairs.length = 0;
    expect((await openstack(['keypair', 'show', k], demo)).code).toBe(1);
  });

  it('negotiates 2.6 for key pairs: create 201 and delete 204 with the type shown; asked for 2.1, 200 and 202 with no type', async () => {
    const k = uniqueName('kumo-key26');
    const created = await openstack(['keypair', 'create', '--public-key', fixture('ed.pub'), '-f', 'json', '--debug', k], demo);
    expect(created.code).toBe(0);
    keypairs.push([k, demo]);
    expect(created.stderr).toMatch(/POST http:\/\/\S+\/v2\.1\/os-keypairs -H .*OpenStack-API-Version: compute 2\.6/);
    expect(created.stderr).toMatch(/"POST \/v2\.1\/os-keypairs HTTP\/1\.1" 201/);
    const shown = await openstack(['keypair', 'show', '-f', 'json', '--debug', k], demo);
    // the type comes from the server (RESP BODY), not only from the SDK's default
    expect(shown.stderr).toMatch(/RESP BODY: \{"keypair":\{[^}]*"type":"ssh"/);
    expect(JSON.parse(shown.stdout.slice(shown.stdout.indexOf('{')))).toMatchObject({ name: k, type: 'ssh' });
    const deleted = await openstack(['keypair', 'delete', '--debug', k], demo);
    expect(deleted.stderr).toMatch(/"DELETE \/v2\.1\/os-keypairs\/\S+ HTTP\/1\.1" 204/);
    keypairs.pop();
    // the 2.1 behaviour when asked for: 200 and 202, no type on the wire; --type needs 2.2 (the client says so)
    const k21 = uniqueName('kumo-key21');
    const c21 = await openstack(['--os-compute-api-version', '2.1', 'keypair', 'create', '--public-key', fixture('ed.pub'), '--debug', k21], demo);
    expect(c21.code).toBe(0);
    keypairs.push([k21, demo]);
    expect(c21.stderr).toMatch(/"POST \/v2\.1\/os-keypairs HTTP\/1\.1" 200/);
    expect(c21.stderr).toMatch(/RESP BODY: \{"keypair":\{(?![^}]*"type")[^}]*\}\}/);
    const d21 = await openstack(['--os-compute-api-version', '2.1', 'keypair', 'delete', '--debug', k21], demo);
    expect(d21.stderr).toMatch(/"DELETE \/v2\.1\/os-keypairs\/\S+ HTTP\/1\.1" 202/);
    keypairs.pop();
    const typed = await openstack(['--os-compute-api-version', '2.1', 'keypair', 'create', '--type', 'x509', uniqueName('kumo-x')], demo);
    expect(typed.code).toBe(1);
    expect(typed.stderr).toContain('--os-compute-api-version 2.2 or greater is required to support the --type option');
  });

  it('x509 key pairs at 2.2+ (the body, since OSC 6.0 drops --type: it passes key_type, which openstacksdk 0.101 does not send)', async () => {
    const k = uniqueName('kumo-x509');
    const r = await raw(demo, 'POST', '/os-keypairs', { keypair: { name: k, type: 'x509' } }, { 'openstack-api-version': 'compute 2.2' });
    expect(r.status).toBe(201);
    keypairs.push([k, demo]);
    const kp = (r.body as { keypair: { type: string; public_key: string; private_key: string; fingerprint: string } }).keypair;
    expect(kp.type).toBe('x509');
    expect(kp.public_key).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(kp.fingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    expect(Buffer.from(kp.private_key, 'base64')[0]).toBe(0x30);
    expect(await openstackJson<{ type: string; fingerprint: string }>(['keypair', 'show', k], demo)).toMatchObject({ type: 'x509', fingerprint: kp.fingerprint });
  });

  it('shows quotas and absolute limits', async () => {
    const quota = await openstackJson<Record<string, unknown>>(['quota', 'show'], demo);
    expect(quota).toMatchObject({ project_name: 'demo', 'key-pairs': expect.any(Number), instances: expect.any(Number), cores: expect.any(Number), ram: expect.any(Number), properties: expect.any(Number) });
    const limits = await openstackJson<Array<{ Name: string; Value: number }>>(['limits', 'show', '--absolute'], demo);
    const byName = Object.fromEntries(limits.map((l) => [l.Name, l.Value]));
    expect(byName).toMatchObject({ maxTotalInstances: quota.instances, maxTotalCores: quota.cores, maxTotalRAMSize: quota.ram, maxTotalKeypairs: quota['key-pairs'], maxServerMeta: quota.properties, totalInstancesUsed: 0 });
  });

  it('refuses bad input with Nova fault bodies the client reports', async () => {
    expect(await raw(demo, 'GET', `/flavors/${uniqueName('nope')}`)).toEqual({ status: 404, body: { itemNotFound: { code: 404, message: expect.stringMatching(/^Flavor nope-[0-9a-f]{8} could not be found\.$/) } } });
    const long = await openstack(['flavor', 'create', '--vcpus', '1', '--ram', '64', '--disk', '0', 'n'.repeat(256)], admin);
    expect(long.code).toBe(1);
    expect(long.stderr).toContain('400');
    expect(long.stderr).toContain('is too long');
    const bad = join(work, 'bad.pub');
    writeFileSync(bad, 'ssh-rsa not-a-key\n');
    const invalid = await openstack(['keypair', 'create', '--public-key', bad, uniqueName('kumo-bad')], demo);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('Keypair data is invalid: failed to generate fingerprint');
    const k = uniqueName('kumo-dup');
    expect((await openstack(['keypair', 'create', '--public-key', fixture('rsa.pub'), k], demo)).code).toBe(0);
    keypairs.push([k, demo]);
    const dup = await openstack(['keypair', 'create', '--public-key', fixture('rsa.pub'), k], demo);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain(`409: Client Error for url: `);
    expect(dup.stderr).toContain(`Key pair '${k}' already exists.`);
    const forbidden = await openstack(['flavor', 'create', '--vcpus', '1', '--ram', '64', '--disk', '0', uniqueName('kumo-demo')], demo);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain("403: Client Error for url: ");
    expect(forbidden.stderr).toContain("Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.");
  });
});
