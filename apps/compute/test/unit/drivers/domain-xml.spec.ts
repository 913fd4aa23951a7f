import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { diskFiles, parseCapabilities, parseKumoMetadata, toDomainXml, type DomainDefinition } from '../../../src/drivers/libvirt/domain-xml';
import { parseQemuImgInfo } from '../../../src/drivers/libvirt/qemu-img';

const fixture = (f: string) => readFileSync(join(__dirname, '../../fixtures', f), 'utf8');

const definition = (over: Partial<DomainDefinition> = {}): DomainDefinition => ({
  type: 'qemu',
  uuid: '0c3d8b5e-3b0e-4f6b-9a57-1d2f5e3b8a11',
  name: 'instance-0c3d8b5e-3b0e-4f6b-9a57-1d2f5e3b8a11',
  memoryMiB: 256,
  vcpus: 2,
  arch: 'x86_64',
  machine: 'pc',
  hostModelCpu: false,
  metadata: {
    instanceId: '0c3d8b5e-3b0e-4f6b-9a57-1d2f5e3b8a11',
    name: `evil</kumo:name><devices><disk type='file'><source file='/etc/shadow'/></disk></devices> & "co"`,
    createdAt: '2026-12-07T15:00:00.000Z',
    flavor: { id: 'f1', name: 'tiny', vcpus: 2, memoryMb: 256, rootGb: 1, ephemeralGb: 0, swapMb: 0 },
    owner: { userId: 'u1', projectId: 'p1' },
    imageId: '5a1c6e8e-1111-4222-8333-944455556666',
  },
  disks: [
    { device: 'disk', file: '/srv/i/x/disk', format: 'qcow2', target: 'vda', bus: 'virtio' },
    { device: 'cdrom', file: '/srv/i/x/disk.config', format: 'raw', target: 'hdd', bus: 'ide', readonly: true },
  ],
  interfaces: [],
  consoleLog: '/srv/i/x/console.log',
  ...over,
});

const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' }).parse(xml).domain;

describe('toDomainXml', () => {
  it('renders the guest: type, uuid, name, memory, vcpus, machine, disks, serial log and console', () => {
    const d = parse(toDomainXml(definition()));
    expect(d['@_type']).toBe('qemu');
    expect(d.uuid).toBe('0c3d8b5e-3b0e-4f6b-9a57-1d2f5e3b8a11');
    expect(d.name).toBe('instance-0c3d8b5e-3b0e-4f6b-9a57-1d2f5e3b8a11');
    expect(d.memory).toEqual({ '@_unit': 'MiB', '#text': 256 });
    expect(d.vcpu['#text']).toBe(2);
    expect(d.os.type).toEqual({ '@_arch': 'x86_64', '@_machine': 'pc', '#text': 'hvm' });
    expect(d.cpu).toBeUndefined();
    expect(d.devices.disk).toEqual([
      expect.objectContaining({ '@_device': 'disk', driver: { '@_name': 'qemu', '@_type': 'qcow2' }, source: { '@_file': '/srv/i/x/disk' }, target: { '@_dev': 'vda', '@_bus': 'virtio' } }),
      expect.objectContaining({ '@_device': 'cdrom', source: { '@_file': '/srv/i/x/disk.config' }, target: { '@_dev': 'hdd', '@_bus': 'ide' }, readonly: '' }),
    ]);
    expect(d.devices.serial).toEqual({ '@_type': 'pty', log: { '@_file': '/srv/i/x/console.log', '@_append': 'on' }, target: { '@_port': '0' } });
    expect(d.devices.console).toEqual({ '@_type': 'pty', target: { '@_type': 'serial', '@_port': '0' } });
    expect(d.devices.interface).toBeUndefined();
    expect(d.sysinfo.system.entry).toContainEqual({ '@_name': 'serial', '#text': '0c3d8b5e-3b0e-4f6b-9a57-1d2f5e3b8a11' });
  });

  it('escapes user input: a name cannot add elements', () => {
    const xml = toDomainXml(definition());
    expect(xml).not.toContain('/etc/shadow\'/>');
    expect(xml).toContain('evil&lt;/kumo:name&gt;');
    expect(diskFiles(xml)).toEqual(['/srv/i/x/disk', '/srv/i/x/disk.config']);
    expect(parseKumoMetadata(xml)?.name).toBe(definition().metadata.name);
  });

  it('uses the host CPU model under KVM and renders bridge NICs (the network seam)', () => {
    const d = parse(toDomainXml(definition({ type: 'kvm', hostModelCpu: true, interfaces: [{ mac: 'fa:16:3e:00:00:01', bridge: 'brq1', tap: 'tap1234', mtu: 1450 }] })));
    expect(d['@_type']).toBe('kvm');
    expect(d.cpu).toEqual({ '@_mode': 'host-model', '@_check': 'partial' });
    expect(d.devices.interface).toEqual({ '@_type': 'bridge', mac: { '@_address': 'fa:16:3e:00:00:01' }, source: { '@_bridge': 'brq1' }, target: { '@_dev': 'tap1234' }, model: { '@_type': 'virtio' }, mtu: { '@_size': '1450' } });
  });

  it('reads Kumo metadata back (and null for a domain Kumo did not make)', () => {
    expect(parseKumoMetadata(toDomainXml(definition()))).toEqual(definition().metadata);
    const withTimeout = definition({ metadata: { ...definition().metadata, shutdownTimeout: 0 } });
    expect(parseKumoMetadata(toDomainXml(withTimeout))?.shutdownTimeout).toBe(0);
    expect(parseKumoMetadata("<domain type='kvm'><name>other</name><uuid>x</uuid></domain>")).toBeNull();
    // libvirt may re-prefix the namespace: the element is found by its local name
    const reprefixed = toDomainXml(definition()).replace(/kumo:/g, 'k:').replace('xmlns:k=', 'xmlns:k=');
    expect(parseKumoMetadata(reprefixed)?.instanceId).toBe(definition().uuid);
  });
});

describe('parseCapabilities (recorded from this machine kind)', () => {
  it('finds the arch, CPU and the hvm domain types', () => {
    const caps = parseCapabilities(fixture('capabilities.xml'));
    expect(caps.arch).toBe('x86_64');
    expect(caps.domainTypes.sort()).toEqual(['kvm', 'qemu']);
    expect(caps.cpuModel).not.toBe('');
    expect(caps.topology.cores).toBeGreaterThan(0);
  });

  it('has no kvm domain type when libvirt offers only TCG', () => {
    const xml = fixture('capabilities.xml').replace(/<domain type='kvm'\/>/g, '');
    expect(parseCapabilities(xml).domainTypes).toEqual(['qemu']);
  });
});

describe('parseQemuImgInfo (recorded)', () => {
  it('reads format, sizes and the backing file of an overlay', () => {
    expect(parseQemuImgInfo(fixture('qemu-img-info-overlay.json'))).toEqual({
      format: 'qcow2',
      virtualSize: 22020096,
      actualSize: 200704,
      backingFile: '/tmp/kumo-agent-probe/base.qcow2',
      dataFile: null,
    });
  });

  it('refuses output without a format', () => {
    expect(() => parseQemuImgInfo('{"filename": "x"}')).toThrow(/no format/);
  });
});
