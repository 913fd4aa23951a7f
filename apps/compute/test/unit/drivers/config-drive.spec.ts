import type { GuestSpec } from '../../../src/drivers/compute-driver';
import { configDriveFiles, metaData } from '../../../src/drivers/libvirt/config-drive';

const spec: GuestSpec = {
  instanceId: '0c3d8b5e-3b0e-4f6b-9a57-1d2f5e3b8a11',
  name: 'tiny-1',
  hostname: 'tiny-1.novalocal',
  projectId: 'p1',
  userId: 'u1',
  launchIndex: 2,
  availabilityZone: 'az1',
  flavor: { id: 'f', name: 'tiny', vcpus: 1, memoryMb: 256, rootGb: 1, ephemeralGb: 0, swapMb: 0 },
  image: { id: 'img', name: null, diskFormat: 'qcow2', size: 1, minDisk: 0, properties: {} },
  keyPair: { name: 'k1', publicKey: 'ssh-ed25519 AAAA k1', type: 'ssh' },
  userData: Buffer.from('#cloud-config\n').toString('base64'),
  metadata: { a: 'b' },
  createdAt: '2026-12-07T15:00:00Z',
};

describe('config drive content', () => {
  it("writes Nova's meta_data.json fields", () => {
    const seed = Buffer.alloc(512, 7);
    expect(metaData(spec, seed)).toEqual({
      uuid: spec.instanceId,
      meta: { a: 'b' },
      public_keys: { k1: 'ssh-ed25519 AAAA k1' },
      keys: [{ name: 'k1', type: 'ssh', data: 'ssh-ed25519 AAAA k1' }],
      hostname: 'tiny-1.novalocal',
      name: 'tiny-1',
      launch_index: 2,
      availability_zone: 'az1',
      random_seed: seed.toString('base64'),
      project_id: 'p1',
      devices: [],
    });
    expect(metaData({ ...spec, keyPair: null, availabilityZone: null })).toMatchObject({ public_keys: {}, keys: [], availability_zone: 'nova' });
  });

  it('has latest and 2012-08-10, with user_data decoded, and no user_data file without user data', () => {
    const files = configDriveFiles(spec);
    expect([...files.keys()].sort()).toEqual([
      'openstack/2012-08-10/meta_data.json',
      'openstack/2012-08-10/user_data',
      'openstack/2012-08-10/vendor_data.json',
      'openstack/2012-08-10/vendor_data2.json',
      'openstack/latest/meta_data.json',
      'openstack/latest/user_data',
      'openstack/latest/vendor_data.json',
      'openstack/latest/vendor_data2.json',
    ]);
    expect(files.get('openstack/latest/user_data')?.toString()).toBe('#cloud-config\n');
    expect(JSON.parse(files.get('openstack/latest/meta_data.json')!.toString()).uuid).toBe(spec.instanceId);
    expect([...configDriveFiles({ ...spec, userData: null }).keys()].filter((k) => k.endsWith('user_data'))).toEqual([]);
  });
});

describe('config drive admin password', () => {
  it("carries the build's admin password as meta_data.json admin_pass, in every version's file", () => {
    const files = configDriveFiles({ ...spec, adminPass: 'Given-pass-1' }, Buffer.alloc(512));
    for (const v of ['2012-08-10', 'latest']) expect(JSON.parse(files.get(`openstack/${v}/meta_data.json`)!.toString()).admin_pass).toBe('Given-pass-1');
  });

  it('leaves admin_pass out without a password (null, absent or empty, as Nova skips a falsy one)', () => {
    for (const adminPass of [null, undefined, '']) expect(metaData({ ...spec, adminPass })).not.toHaveProperty('admin_pass');
  });
});
