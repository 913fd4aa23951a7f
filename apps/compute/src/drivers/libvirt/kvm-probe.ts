// Does KVM really run guests here? /dev/kvm can exist while nested KVM fails on ordinary boot
// code ("KVM internal error. Suberror: 1 ... emulation failure": QEMU then pauses the guest). The
// probe boots a one-sector guest (kvm-probe.S: protected mode, a software interrupt and its IRET,
// as syslinux does) with type='kvm' and waits for its OK line on the serial console log; a pause,
// a crash or silence means TCG. The domain and its files are removed whatever happens.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLBuilder } from 'fast-xml-parser';
import { DomainState, isNoDomain, isOperationInvalid, type LibvirtClient } from '@kumo/libvirt';

/** kvm-probe.S assembled (up to its last non-zero byte; the sector is zero-padded, 0x55aa at 510). */
const PROBE_HEX =
  'fa31c08ed88ec08ed0bc007c0f0116a07c0f20c06683c8010f22c0ea207c080066b810008ed88ec08ed0bc007c0000b86c7c0000bf0071000066890766c74702080066c74704008ec1e810668947060f011da67c0000cd20be6d7c000066baf803ac84c07403eeebf8f4ebfdcf0d0a4b554d4f2d4b564d2d50524f42452d4f4b0d0a008d742600900000000000000000ffff0000009acf00ffff00000092cf001700887c000007010070';
export const PROBE_OK_LINE = 'KUMO-KVM-PROBE-OK';

export function probeDisk(): Buffer {
  const disk = Buffer.alloc(64 * 1024);
  Buffer.from(PROBE_HEX, 'hex').copy(disk);
  disk[510] = 0x55;
  disk[511] = 0xaa;
  return disk;
}

export interface KvmProbeResult {
  works: boolean;
  reason: string;
  ms: number;
}

export function probeDomainXml(name: string, disk: string, log: string): string {
  const domain = {
    '@_type': 'kvm',
    name,
    memory: { '@_unit': 'MiB', '#text': '16' },
    vcpu: '1',
    os: { type: { '@_arch': 'x86_64', '@_machine': 'pc', '#text': 'hvm' }, boot: { '@_dev': 'hd' }, bootmenu: { '@_enable': 'no' } },
    on_poweroff: 'destroy',
    on_crash: 'preserve',
    devices: {
      disk: { '@_type': 'file', '@_device': 'disk', driver: { '@_name': 'qemu', '@_type': 'raw' }, source: { '@_file': disk }, target: { '@_dev': 'hda', '@_bus': 'ide' } },
      serial: { '@_type': 'pty', log: { '@_file': log, '@_append': 'off' } },
      video: { model: { '@_type': 'none' } },
      memballoon: { '@_model': 'none' },
    },
  };
  return new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true }).build({ domain }) as string;
}

/** Boots the probe guest under KVM in `dir` (made and removed) and says whether it ran. */
export async function probeKvm(lv: LibvirtClient, dir: string, name: string, timeoutMs: number): Promise<KvmProbeResult> {
  const started = Date.now();
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const disk = join(dir, 'probe.img');
  const log = join(dir, 'console.log');
  await writeFile(disk, probeDisk(), { mode: 0o644 });
  await rm(log, { force: true });
  const result = (works: boolean, reason: string): KvmProbeResult => ({ works, reason, ms: Date.now() - started });
  let dom = null;
  try {
    dom = await lv.domainDefineXML(probeDomainXml(name, disk, log));
    try {
      await lv.domainCreate(dom);
    } catch (err) {
      return result(false, `the KVM probe guest did not start: ${(err as Error).message}`);
    }
    for (;;) {
      const out = await readFile(log, 'latin1').catch(() => '');
      if (out.includes(PROBE_OK_LINE)) return result(true, `/dev/kvm works: a KVM probe guest ran in ${Date.now() - started} ms`);
      const { state, stateName } = await lv.domainGetState(dom);
      if (state !== DomainState.RUNNING && state !== DomainState.BLOCKED) {
        const why = await qemuError(name);
        return result(false, `/dev/kvm is present but a KVM guest ${state === DomainState.PAUSED ? 'was paused by QEMU' : `went ${stateName}`}${why ? ` (${why})` : ''}: falling back to TCG (virt_type qemu)`);
      }
      if (Date.now() - started > timeoutMs) {
        return result(false, `/dev/kvm is present but a KVM probe guest printed nothing within ${timeoutMs} ms: falling back to TCG (virt_type qemu)`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    if (dom) {
      await lv.domainDestroy(dom).catch((e: unknown) => {
        if (!isOperationInvalid(e) && !isNoDomain(e)) throw e;
      });
      await lv.domainUndefine(dom).catch((e: unknown) => {
        if (!isNoDomain(e)) throw e;
      });
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** QEMU's own words from its log on this host (`KVM internal error. Suberror: 1 ... emulation failure`), when readable. */
async function qemuError(name: string): Promise<string | null> {
  const text = await readFile(`/var/log/libvirt/qemu/${name}.log`, 'utf8').catch(() => '');
  const tail = text.slice(-8192);
  const i = tail.lastIndexOf('KVM internal error');
  if (i < 0) return null;
  const lines = tail.slice(i).split('\n');
  const failure = lines.find((l) => /emulation failure|failure/i.test(l) && !l.startsWith('extra data'));
  return [lines[0].trim(), failure?.trim()].filter(Boolean).join(', ');
}
