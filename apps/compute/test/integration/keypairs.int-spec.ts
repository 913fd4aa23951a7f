import { readFileSync } from 'node:fs';
import { createPublicKey, createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { startComputeApp, TestComputeApp } from '../support/app';

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures', name), 'utf8');

describe('key pairs', () => {
  let t: TestComputeApp;
  beforeAll(async () => {
    t = await startComputeApp();
  });
  afterAll(async () => {
    await t.close();
  });
  const create = (who: string, keypair: Record<string, unknown>) => t.json(who, 'POST', '/v2.1/os-keypairs', { keypair });

  it('imports ed25519, RSA and ECDSA keys with the fingerprint ssh-keygen -E md5 prints', async () => {
    for (const k of ['ed', 'rsa', 'ec']) {
      const r = await create('demo', { name: `imported-${k}`, public_key: fixture(`${k}.pub`) });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ keypair: { name: `imported-${k}`, public_key: fixture(`${k}.pub`), fingerprint: fixture(`${k}.md5`).trim(), user_id: 'u-demo' } });
    }
  });

  it('generates an RSA key pair and returns the private key once; the halves match', async () => {
    const r = await create('demo', { name: 'generated' });
    expect(r.status).toBe(200);
    const kp = r.body.keypair as { private_key: string; public_key: string; fingerprint: string; user_id: string; name: string };
    expect(Object.keys(kp).sort()).toEqual(['fingerprint', 'name', 'private_key', 'public_key', 'user_id']);
    expect(kp.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n$/);
    expect(kp.public_key).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E\S+ Generated-by-Nova$/);
    const fromPrivate = createPublicKey(createPrivateKey(kp.private_key)).export({ format: 'jwk' }) as { n: string };
    expect(createPrivateKey(kp.private_key).asymmetricKeyDetails?.modulusLength).toBe(2048);
    // the ssh-rsa blob carries the private key's modulus (after e, as RFC 4253 orders them)
    expect(Buffer.from(kp.public_key.split(' ')[1], 'base64').toString('hex')).toContain(Buffer.from(fromPrivate.n, 'base64url').toString('hex'));
    const shown = await t.json('demo', 'GET', '/v2.1/os-keypairs/generated');
    expect(shown.body.keypair).not.toHaveProperty('private_key');
    expect(shown.body.keypair).toEqual({
      name: 'generated',
      public_key: kp.public_key,
      fingerprint: kp.fingerprint,
      user_id: 'u-demo',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/),
      deleted: false,
      deleted_at: null,
      id: expect.any(Number),
      updated_at: null,
    });
  });

  it("lists only the caller's key pairs, each wrapped in a keypair key", async () => {
    const list = await t.json('demo', 'GET', '/v2.1/os-keypairs');
    expect(list.body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name)).toEqual(['generated', 'imported-ec', 'imported-ed', 'imported-rsa']);
    expect(Object.keys(list.body.keypairs[0].keypair).sort()).toEqual(['fingerprint', 'name', 'public_key']);
    expect((await t.json('demo2', 'GET', '/v2.1/os-keypairs')).body).toEqual({ keypairs: [] });
    expect((await t.json('demo2', 'GET', '/v2.1/os-keypairs/generated')).body).toEqual({ itemNotFound: { code: 404, message: 'Keypair generated not found for user u-demo2' } });
    // the same name is another user's own key pair
    expect((await create('demo2', { name: 'generated', public_key: fixture('ed.pub') })).status).toBe(200);
  });

  it('refuses invalid keys (400), a taken name (409), bad names and unknown fields (400)', async () => {
    const invalid = { badRequest: { code: 400, message: 'Keypair data is invalid: failed to generate fingerprint' } };
    for (const public_key of ['', 'not a key', 'ssh-rsa AAAA', `ssh-rsa ${fixture('ed.pub').split(' ')[1]}`, `  ${fixture('rsa.pub')}`, readFileSync('/dev/null', 'utf8') + '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n']) {
      expect({ public_key, answer: (await create('demo', { name: 'bad', public_key })).body }).toEqual({ public_key, answer: invalid });
    }
    expect(await create('demo', { name: 'imported-ed', public_key: fixture('ed.pub') })).toEqual(expect.objectContaining({ status: 409, body: { conflictingRequest: { code: 409, message: "Key pair 'imported-ed' already exists." } } }));
    expect((await create('demo', { name: 'has/slash' })).body.badRequest.message).toBe("Invalid input for field/attribute name. Value: 'has/slash'. 'has/slash' does not match '^[_\\\\- a-zA-Z0-9]+$'");
    expect((await create('demo', { name: 'k'.repeat(256) })).status).toBe(400);
    expect((await create('demo', { name: 'x', type: 'ssh' })).body.badRequest.message).toMatch(/Additional properties are not allowed \('type' was unexpected\)/);
    expect((await create('demo', { name: 'x', public_key: 5 })).status).toBe(400);
    expect((await t.json('demo', 'POST', '/v2.1/os-keypairs', { keypair: 'x' })).status).toBe(400);
  });

  it('deletes with 202, then 404; the quota is given back', async () => {
    const del = await t.as('demo', '/v2.1/os-keypairs/imported-ec', { method: 'DELETE' });
    expect(del.status).toBe(202);
    expect(await del.text()).toBe('');
    expect((await t.json('demo', 'DELETE', '/v2.1/os-keypairs/imported-ec')).status).toBe(404);
    const usage = await t.db.dataSource.query("SELECT in_use FROM quota_usage WHERE project_id = '' AND user_id = 'u-demo' AND resource = 'key_pairs'");
    expect(Number(usage[0].in_use)).toBe(3);
  });

  describe('at 2.2 and later', () => {
    const v = (version: string) => ({ 'openstack-api-version': `compute ${version}` });
    const create22 = (keypair: Record<string, unknown>, version = '2.2') => t.json('demo', 'POST', '/v2.1/os-keypairs', { keypair }, v(version));

    it('creates with 201 and type ssh by default; type in list and show; delete 204 (2.1 still 200/202 with no type)', async () => {
      const r = await create22({ name: 'v22-ssh', public_key: fixture('ed.pub') });
      expect(r.status).toBe(201);
      expect(r.headers.get('openstack-api-version')).toBe('compute 2.2');
      expect(r.body).toEqual({ keypair: { name: 'v22-ssh', type: 'ssh', public_key: fixture('ed.pub'), fingerprint: fixture('ed.md5').trim(), user_id: 'u-demo' } });
      const list = await t.json('demo', 'GET', '/v2.1/os-keypairs', undefined, v('2.6'));
      expect(list.body.keypairs.find((k: { keypair: { name: string } }) => k.keypair.name === 'v22-ssh').keypair).toEqual({ name: 'v22-ssh', public_key: fixture('ed.pub'), fingerprint: fixture('ed.md5').trim(), type: 'ssh' });
      expect((await t.json('demo', 'GET', '/v2.1/os-keypairs/v22-ssh', undefined, v('2.2'))).body.keypair.type).toBe('ssh');
      expect((await t.json('demo', 'GET', '/v2.1/os-keypairs/v22-ssh')).body.keypair).not.toHaveProperty('type');
      const del = await t.as('demo', '/v2.1/os-keypairs/v22-ssh', { method: 'DELETE', headers: v('2.2') });
      expect(del.status).toBe(204);
      expect(await del.text()).toBe('');
      expect((await t.as('demo', '/v2.1/os-keypairs/v22-ssh', { method: 'DELETE', headers: v('2.2') })).status).toBe(404);
    });

    it('imports an x509 certificate with its SHA-1 fingerprint, refuses one that is not', async () => {
      const r = await create22({ name: 'cert', type: 'x509', public_key: fixture('x509.pem') }, '2.6');
      expect(r.status).toBe(201);
      expect(r.body.keypair).toEqual({ name: 'cert', type: 'x509', public_key: fixture('x509.pem'), fingerprint: fixture('x509.sha1').trim(), user_id: 'u-demo' });
      const bad = await create22({ name: 'cert2', type: 'x509', public_key: fixture('ed.pub') });
      expect(bad.status).toBe(400);
      expect(bad.body.badRequest.message).toMatch(/^Keypair data is invalid: failed to generate X509 fingerprint\. Error message: /);
      // an ssh key pair given a certificate is not an ssh key
      expect((await create22({ name: 'cert3', type: 'ssh', public_key: fixture('x509.pem') })).body).toEqual({ badRequest: { code: 400, message: 'Keypair data is invalid: failed to generate fingerprint' } });
      expect((await create22({ name: 'cert4', type: 'rsa' })).status).toBe(400);
    });

    it("generates an x509 key pair as Nova does: a certificate for the user, a PKCS#12 bundle as the private key", async () => {
      const r = await create22({ name: 'gen-cert', type: 'x509' });
      expect(r.status).toBe(201);
      const kp = r.body.keypair as { public_key: string; private_key: string; fingerprint: string; type: string };
      expect(kp.type).toBe('x509');
      const cert = new X509Certificate(kp.public_key);
      expect(cert.subject).toBe('CN=u-demo');
      expect(cert.subjectAltName).toContain('u-demo@localhost');
      expect(cert.fingerprint.toLowerCase()).toBe(kp.fingerprint);
      expect(new Date(cert.validTo).getTime() - Date.now()).toBeGreaterThan(3649 * 86400_000);
      // PKCS#12: an ASN.1 SEQUENCE with version 3 first
      const p12 = Buffer.from(kp.private_key, 'base64');
      expect(p12[0]).toBe(0x30);
      expect(p12.subarray(0, 8).toString('hex')).toMatch(/^30(82....|81..|..)020103/);
      const shown = await t.json('demo', 'GET', '/v2.1/os-keypairs/gen-cert', undefined, v('2.2'));
      expect(shown.body.keypair).toMatchObject({ type: 'x509', fingerprint: kp.fingerprint, public_key: kp.public_key });
      expect(shown.body.keypair).not.toHaveProperty('private_key');
    });
  });
});
