import { readFileSync } from 'node:fs';
import { createPublicKey, createPrivateKey } from 'node:crypto';
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
});
