import type { InstanceEntity, InstanceFaultEntity } from '../../src/db/entities/instance.entity';
import { ApiVersion } from '../../src/api/microversion';
import { ComputeLinks, hostId, rootDeviceName, serverBasicView, serverCreateView, serverView } from '../../src/views/server.view';

const links = new ComputeLinks('http://h:8774');

function instance(fields: Partial<InstanceEntity> = {}): InstanceEntity {
  return {
    id: 7,
    uuid: '11111111-2222-4333-8444-555555555555',
    projectId: 'p1',
    userId: 'u1',
    name: 'vm1',
    hostname: 'vm1',
    reservationId: 'r-1',
    launchIndex: 0,
    vmState: 'active',
    taskState: null,
    powerState: 1,
    progress: 100,
    host: 'node-1',
    node: 'node-1.lab',
    availabilityZone: 'nova',
    claimed: true,
    imageRef: 'aaaaaaaa-2222-4333-8444-555555555555',
    flavorid: '1',
    vcpus: 1,
    memoryMb: 256,
    rootGb: 1,
    ephemeralGb: 0,
    swapMb: 0,
    flavor: { id: '1', name: 'tiny', vcpus: 1, memoryMb: 256, rootGb: 1, ephemeralGb: 0, swapMb: 0 },
    keyName: 'k',
    keyData: 'ssh-rsa AAA',
    userData: null,
    configDrive: true,
    diskConfig: 'MANUAL',
    accessIpV4: null,
    accessIpV6: null,
    networks: 'auto',
    securityGroups: ['default'],
    requestSpec: { image: { id: 'x', name: null, diskFormat: null, containerFormat: null, size: null, checksum: null, osHashAlgo: null, osHashValue: null, minDisk: 0, minRam: 0, properties: {} }, flavorExtraSpecs: {}, keyType: 'ssh' },
    launchedAt: new Date('2026-12-07T10:00:00.123Z'),
    terminatedAt: null,
    createdAt: new Date('2026-12-07T09:59:58.5Z'),
    updatedAt: new Date('2026-12-07T10:00:01Z'),
    deletedAt: null,
    deleted: false,
    ...fields,
  };
}

/** Tempest's v2_1 get-server schema: exactly these keys may appear (additionalProperties: false). */
const MEMBER_KEYS = [
  'OS-DCF:diskConfig', 'OS-EXT-AZ:availability_zone', 'OS-EXT-STS:power_state', 'OS-EXT-STS:task_state', 'OS-EXT-STS:vm_state', 'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at',
  'accessIPv4', 'accessIPv6', 'addresses', 'config_drive', 'created', 'flavor', 'hostId', 'id', 'image', 'key_name', 'links', 'metadata', 'name',
  'os-extended-volumes:volumes_attached', 'progress', 'security_groups', 'status', 'tenant_id', 'updated', 'user_id',
];

describe('server views at 2.1', () => {
  it('shows a member exactly the keys of Tempest’s closed schema, in Nova’s formats', () => {
    const v = serverView(links, { instance: instance(), metadata: { a: 'b' }, admin: false });
    expect(Object.keys(v).sort()).toEqual([...MEMBER_KEYS].sort());
    expect(v).toMatchObject({
      status: 'ACTIVE',
      created: '2026-12-07T09:59:58Z',
      updated: '2026-12-07T10:00:01Z',
      'OS-SRV-USG:launched_at': '2026-12-07T10:00:00.123000',
      'OS-SRV-USG:terminated_at': null,
      config_drive: 'True',
      accessIPv4: '',
      image: { id: 'aaaaaaaa-2222-4333-8444-555555555555', links: [{ rel: 'bookmark', href: 'http://h:8774/images/aaaaaaaa-2222-4333-8444-555555555555' }] },
      flavor: { id: '1', links: [{ rel: 'bookmark', href: 'http://h:8774/flavors/1' }] },
      links: [
        { rel: 'self', href: 'http://h:8774/v2.1/servers/11111111-2222-4333-8444-555555555555' },
        { rel: 'bookmark', href: 'http://h:8774/servers/11111111-2222-4333-8444-555555555555' },
      ],
      security_groups: [{ name: 'default' }],
      hostId: hostId('p1', 'node-1'),
    });
  });

  it('adds OS-EXT-SRV-ATTR:* for admins only, and the fault on ERROR (details for admins or non-500)', () => {
    const fault = { id: 1, instanceUuid: 'x', code: 500, message: 'No valid host: 1 host; ...', details: 'NoValidHost: ...', host: null, createdAt: new Date('2026-12-07T10:00:02Z') } as InstanceFaultEntity;
    const err = instance({ vmState: 'error', host: null, node: null });
    const member = serverView(links, { instance: err, metadata: {}, fault, admin: false });
    expect(member.fault).toEqual({ code: 500, created: '2026-12-07T10:00:02Z', message: 'No valid host: 1 host; ...' });
    expect(member).not.toHaveProperty('progress');
    expect(member.hostId).toBe('');
    const admin = serverView(links, { instance: err, metadata: {}, fault, admin: true });
    expect(admin).toMatchObject({ 'OS-EXT-SRV-ATTR:host': null, 'OS-EXT-SRV-ATTR:instance_name': 'instance-11111111-2222-4333-8444-555555555555', fault: { details: 'NoValidHost: ...' } });
    // no fault on a server that is not in ERROR
    expect(serverView(links, { instance: instance(), metadata: {}, fault, admin: true })).not.toHaveProperty('fault');
  });

  it('answers a PUT below 2.75 with Nova’s reduced view: the base fields, progress and fault, never the extensions (admins neither)', () => {
    const brief = serverView(links, { instance: instance(), metadata: { a: 'b' }, admin: true, brief: true });
    expect(Object.keys(brief).sort()).toEqual(['OS-DCF:diskConfig', 'accessIPv4', 'accessIPv6', 'addresses', 'created', 'flavor', 'hostId', 'id', 'image', 'links', 'metadata', 'name', 'progress', 'status', 'tenant_id', 'updated', 'user_id']);
    const fault = { id: 1, instanceUuid: 'x', code: 404, message: 'Image not found', details: '', host: null, createdAt: new Date('2026-12-07T10:00:02Z') } as InstanceFaultEntity;
    const err = serverView(links, { instance: instance({ vmState: 'error' }), metadata: {}, fault, admin: false, brief: true });
    expect(err.fault).toEqual({ code: 404, created: '2026-12-07T10:00:02Z', message: 'Image not found', details: '' });
    expect(err).not.toHaveProperty('OS-EXT-STS:vm_state');
  });

  it('list items are {id, name, links}; the create answer only id, links, diskConfig, security_groups, adminPass', () => {
    expect(Object.keys(serverBasicView(links, instance())).sort()).toEqual(['id', 'links', 'name']);
    expect(Object.keys(serverCreateView(links, instance(), 'pw')).sort()).toEqual(['OS-DCF:diskConfig', 'adminPass', 'id', 'links', 'security_groups']);
    // enable_instance_password off: no adminPass at all
    expect(Object.keys(serverCreateView(links, instance(), undefined)).sort()).toEqual(['OS-DCF:diskConfig', 'id', 'links', 'security_groups']);
  });
});

describe('server views per microversion (2.3)', () => {
  const at = (v: string) => ApiVersion.parse(v);
  const EXTRA_23 = ['OS-EXT-SRV-ATTR:hostname', 'OS-EXT-SRV-ATTR:kernel_id', 'OS-EXT-SRV-ATTR:launch_index', 'OS-EXT-SRV-ATTR:ramdisk_id', 'OS-EXT-SRV-ATTR:reservation_id', 'OS-EXT-SRV-ATTR:root_device_name', 'OS-EXT-SRV-ATTR:user_data'];
  const srvAttrs = (o: Record<string, unknown>) => Object.keys(o).filter((k) => k.startsWith('OS-EXT-SRV-ATTR:')).sort();

  it("gives an admin 2.3's extended attributes from 2.3 on, with Nova's values", () => {
    const i = instance({ hostname: 'vm-1', reservationId: 'r-abcd1234', launchIndex: 2, userData: 'IyEvYmluL3NoCg==' });
    i.requestSpec.image.properties = { kernel_id: 'kkkk', ramdisk_id: 'rrrr' };
    const v = serverView(links, { instance: i, metadata: {}, admin: true, version: at('2.3') });
    expect(v).toMatchObject({
      'OS-EXT-SRV-ATTR:hostname': 'vm-1',
      'OS-EXT-SRV-ATTR:kernel_id': 'kkkk',
      'OS-EXT-SRV-ATTR:launch_index': 2,
      'OS-EXT-SRV-ATTR:ramdisk_id': 'rrrr',
      'OS-EXT-SRV-ATTR:reservation_id': 'r-abcd1234',
      'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
      'OS-EXT-SRV-ATTR:user_data': 'IyEvYmluL3NoCg==',
    });
    expect(srvAttrs(serverView(links, { instance: instance(), metadata: {}, admin: true, version: at('2.6') }))).toEqual([...EXTRA_23, 'OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:hypervisor_hostname', 'OS-EXT-SRV-ATTR:instance_name'].sort());
  });

  it('keeps 2.1 and 2.2 (and no version: the notifications) to the three attributes, and members to none', () => {
    for (const version of [at('2.1'), at('2.2'), undefined]) {
      expect(srvAttrs(serverView(links, { instance: instance(), metadata: {}, admin: true, version }))).toEqual(['OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:hypervisor_hostname', 'OS-EXT-SRV-ATTR:instance_name']);
    }
    const member = serverView(links, { instance: instance(), metadata: {}, admin: false, version: at('2.6') });
    expect(srvAttrs(member)).toEqual([]);
    expect(Object.keys(member).sort()).toEqual([...MEMBER_KEYS].sort());
  });

  it('shows "" for kernel and ramdisk without those image properties, null user_data, and no root device before a host took the build', () => {
    const scheduling = instance({ vmState: 'building', taskState: 'scheduling', host: null, node: null, launchedAt: null });
    expect(serverView(links, { instance: scheduling, metadata: {}, admin: true, version: at('2.3') })).toMatchObject({ 'OS-EXT-SRV-ATTR:kernel_id': '', 'OS-EXT-SRV-ATTR:ramdisk_id': '', 'OS-EXT-SRV-ATTR:user_data': null, 'OS-EXT-SRV-ATTR:root_device_name': null });
    // placed but not yet taken by the agent, then spawning
    expect(rootDeviceName(instance({ vmState: 'building', taskState: 'scheduling', host: 'node-1' }))).toBeNull();
    expect(rootDeviceName(instance({ vmState: 'building', taskState: 'spawning', host: 'node-1' }))).toBe('/dev/vda');
    // a build that failed on its host keeps the device Nova had set
    expect(rootDeviceName(instance({ vmState: 'error', taskState: null, host: 'node-1' }))).toBe('/dev/vda');
  });
});
