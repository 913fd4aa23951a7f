// Domain XML from typed objects: a DomainDefinition says what the guest is; toDomainXml renders
// it with fast-xml-parser's builder, which escapes every text and attribute (a server name with
// `<` or `'` in it stays a name). The <metadata> element carries Kumo's view of the instance, as
// Nova's nova:instance does, so the agent can tell its own domains from others after a restart.
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

export const KUMO_XMLNS = 'http://kumo.openstack.local/xmlns/libvirt/instance/1.0';

export interface KumoInstanceMetadata {
  instanceId: string;
  name: string;
  createdAt: string;
  flavor: { id: string; name: string; vcpus: number; memoryMb: number; rootGb: number; ephemeralGb: number; swapMb: number };
  owner: { userId: string; projectId: string };
  imageId: string;
  /** the image's os_shutdown_timeout (seconds), which overrides the agent's shutdown timeout */
  shutdownTimeout?: number;
}

export interface DiskDevice {
  device: 'disk' | 'cdrom';
  file: string;
  format: 'qcow2' | 'raw';
  /** vda, hdd ... */
  target: string;
  bus: 'virtio' | 'ide' | 'scsi' | 'sata';
  readonly?: boolean;
}

/** A NIC on a host bridge (the network issue: a bound port's tap on its network's bridge). */
export interface BridgeInterface {
  mac: string;
  bridge: string;
  /** the tap's name (tap<port id prefix>) */
  tap: string;
  mtu?: number;
}

export interface DomainDefinition {
  type: 'kvm' | 'qemu';
  uuid: string;
  name: string;
  memoryMiB: number;
  vcpus: number;
  arch: string;
  machine: string;
  metadata: KumoInstanceMetadata;
  disks: DiskDevice[];
  interfaces: BridgeInterface[];
  /** the serial console's log file (also streamed through libvirt's console) */
  consoleLog: string;
  /** host-model CPU under KVM; TCG gets QEMU's default model */
  hostModelCpu: boolean;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });

const text = (v: string | number) => ({ '#text': String(v) });

export function toDomainXml(d: DomainDefinition): string {
  const m = d.metadata;
  const domain: Record<string, unknown> = {
    '@_type': d.type,
    uuid: d.uuid,
    name: d.name,
    metadata: {
      'kumo:instance': {
        '@_xmlns:kumo': KUMO_XMLNS,
        'kumo:uuid': m.instanceId,
        'kumo:name': m.name,
        'kumo:creationTime': m.createdAt,
        'kumo:flavor': {
          '@_id': m.flavor.id,
          '@_name': m.flavor.name,
          'kumo:memory': m.flavor.memoryMb,
          'kumo:disk': m.flavor.rootGb,
          'kumo:swap': m.flavor.swapMb,
          'kumo:ephemeral': m.flavor.ephemeralGb,
          'kumo:vcpus': m.flavor.vcpus,
        },
        'kumo:owner': { 'kumo:user': { '@_uuid': m.owner.userId }, 'kumo:project': { '@_uuid': m.owner.projectId } },
        'kumo:root': { '@_type': 'image', '@_uuid': m.imageId },
        ...(m.shutdownTimeout !== undefined ? { 'kumo:shutdownTimeout': m.shutdownTimeout } : {}),
      },
    },
    memory: { '@_unit': 'MiB', ...text(d.memoryMiB) },
    currentMemory: { '@_unit': 'MiB', ...text(d.memoryMiB) },
    vcpu: { '@_placement': 'static', ...text(d.vcpus) },
    sysinfo: {
      '@_type': 'smbios',
      system: {
        entry: [
          { '@_name': 'manufacturer', ...text('Kumo') },
          { '@_name': 'product', ...text('OpenStack Compute') },
          { '@_name': 'serial', ...text(d.uuid) },
          { '@_name': 'uuid', ...text(d.uuid) },
          { '@_name': 'family', ...text('Virtual Machine') },
        ],
      },
    },
    os: {
      type: { '@_arch': d.arch, '@_machine': d.machine, ...text('hvm') },
      boot: { '@_dev': 'hd' },
      smbios: { '@_mode': 'sysinfo' },
    },
    features: { acpi: '', apic: '' },
    ...(d.hostModelCpu ? { cpu: { '@_mode': 'host-model', '@_check': 'partial' } } : {}),
    clock: { '@_offset': 'utc' },
    on_poweroff: 'destroy',
    on_reboot: 'restart',
    on_crash: 'destroy',
    devices: {
      disk: d.disks.map((k) => ({
        '@_type': 'file',
        '@_device': k.device,
        driver: { '@_name': 'qemu', '@_type': k.format },
        source: { '@_file': k.file },
        target: { '@_dev': k.target, '@_bus': k.bus },
        ...(k.readonly ? { readonly: '' } : {}),
      })),
      interface: d.interfaces.map((i) => ({
        '@_type': 'bridge',
        mac: { '@_address': i.mac },
        source: { '@_bridge': i.bridge },
        target: { '@_dev': i.tap },
        model: { '@_type': 'virtio' },
        ...(i.mtu ? { mtu: { '@_size': i.mtu } } : {}),
      })),
      serial: { '@_type': 'pty', log: { '@_file': d.consoleLog, '@_append': 'on' }, target: { '@_port': 0 } },
      console: { '@_type': 'pty', target: { '@_type': 'serial', '@_port': 0 } },
      video: { model: { '@_type': 'none' } },
      memballoon: { '@_model': 'virtio', stats: { '@_period': 10 } },
      rng: { '@_model': 'virtio', backend: { '@_model': 'random', ...text('/dev/urandom') } },
    },
  };
  // suppressEmptyNode renders '' as <acpi/>
  return builder.build({ domain }) as string;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, parseTagValue: false });

type Node = Record<string, unknown>;
const node = (v: unknown): Node => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : node(v)['#text'] as string | undefined);
const num = (v: unknown): number => Number(str(v) ?? 0) || 0;

/** Kumo's metadata of a domain's XML, or null for a domain Kumo did not make. */
export function parseKumoMetadata(xml: string): KumoInstanceMetadata | null {
  const domain = node(node(parser.parse(xml)).domain);
  const inst = node(node(domain.metadata).instance);
  const instanceId = str(inst.uuid);
  if (!instanceId) return null;
  const flavor = node(inst.flavor);
  const owner = node(inst.owner);
  return {
    instanceId,
    name: str(inst.name) ?? '',
    createdAt: str(inst.creationTime) ?? '',
    flavor: {
      id: str(flavor['@_id']) ?? '',
      name: str(flavor['@_name']) ?? '',
      memoryMb: num(flavor.memory),
      rootGb: num(flavor.disk),
      swapMb: num(flavor.swap),
      ephemeralGb: num(flavor.ephemeral),
      vcpus: num(flavor.vcpus),
    },
    owner: { userId: str(node(owner.user)['@_uuid']) ?? '', projectId: str(node(owner.project)['@_uuid']) ?? '' },
    imageId: str(node(inst.root)['@_uuid']) ?? '',
    ...(inst.shutdownTimeout !== undefined ? { shutdownTimeout: num(inst.shutdownTimeout) } : {}),
  };
}

/** The files of a domain's disks (source file of every <disk>), from its XML. */
export function diskFiles(xml: string): string[] {
  const devices = node(node(node(parser.parse(xml)).domain).devices);
  const disks = Array.isArray(devices.disk) ? devices.disk : devices.disk ? [devices.disk] : [];
  return disks.map((k) => str(node(node(k).source)['@_file'])).filter((f): f is string => !!f);
}

export interface HostCapabilities {
  arch: string;
  cpuModel: string;
  cpuVendor: string;
  topology: { sockets: number; cores: number; threads: number };
  features: string[];
  /** domain types libvirt offers for hvm guests of the host's arch (kvm, qemu) */
  domainTypes: string[];
}

/** The parts of `virConnectGetCapabilities` the agent reports (cpu_info) and decides with. */
export function parseCapabilities(xml: string): HostCapabilities {
  const caps = node(node(parser.parse(xml)).capabilities);
  const cpu = node(node(caps.host).cpu);
  const arch = str(cpu.arch) ?? 'x86_64';
  const topo = node(cpu.topology);
  const feats = Array.isArray(cpu.feature) ? cpu.feature : cpu.feature ? [cpu.feature] : [];
  const guests = Array.isArray(caps.guest) ? caps.guest : caps.guest ? [caps.guest] : [];
  const domainTypes = new Set<string>();
  for (const g of guests.map(node)) {
    const ga = node(g.arch);
    if (str(g.os_type) !== 'hvm' || ga['@_name'] !== arch) continue;
    const doms = Array.isArray(ga.domain) ? ga.domain : ga.domain ? [ga.domain] : [];
    for (const d of doms) {
      const t = str(node(d)['@_type']);
      if (t) domainTypes.add(t);
    }
  }
  return {
    arch,
    cpuModel: str(cpu.model) ?? '',
    cpuVendor: str(cpu.vendor) ?? '',
    topology: { sockets: num(topo['@_sockets']) || 1, cores: num(topo['@_cores']) || 1, threads: num(topo['@_threads']) || 1 },
    features: feats.map((f) => str(node(f)['@_name'])).filter((f): f is string => !!f),
    domainTypes: [...domainTypes],
  };
}
