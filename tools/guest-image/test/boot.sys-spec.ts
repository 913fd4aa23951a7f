import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, freePort, QemuGuest, requireCommands, run, valuesOf } from './support/guest';

// A boot under TCG (no /dev/kvm) reaches KUMO-GUEST-DONE in about 10 s on an idle 2-core machine;
// the limits leave room for a loaded one.
const BOOT_MS = 180_000;
jest.setTimeout(600_000);

/**
 * Boots kumo-tiny with plain QEMU (no Kumo service) and checks what it prints on its serial
 * console: the kernel, the DHCP address from QEMU's user network, and the config drive's uuid,
 * hostname and public keys (logged in over SSH with that key, the host key checked against the
 * console's SSH-HOST-KEY line).
 */
describe('kumo-tiny guest image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-guest-image-test-'));
  const guests: QemuGuest[] = [];
  let image = '';

  const boot = (opts: Omit<ConstructorParameters<typeof QemuGuest>[0], 'image'>) => {
    const guest = new QemuGuest({ image, ...opts });
    guests.push(guest);
    return guest;
  };

  /** An OpenStack config drive: ISO9660 labelled config-2 with openstack/latest/meta_data.json. */
  async function configDrive(name: string, meta: Record<string, unknown>): Promise<string> {
    const root = join(dir, `${name}-tree`);
    mkdirSync(join(root, 'openstack/latest'), { recursive: true });
    writeFileSync(join(root, 'openstack/latest/meta_data.json'), JSON.stringify(meta));
    const iso = join(dir, `${name}.iso`);
    await run('genisoimage', ['-quiet', '-o', iso, '-V', 'config-2', '-r', '-J', root], 60_000);
    return iso;
  }

  beforeAll(async () => {
    requireCommands({
      'qemu-system-x86_64': 'qemu-system-x86',
      'qemu-img': 'qemu-utils',
      genisoimage: 'genisoimage',
      ssh: 'openssh-client',
      'ssh-keygen': 'openssh-client',
    });
    const started = Date.now();
    image = await buildImage();
    console.log(`image ${image} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  afterEach(async () => {
    await Promise.all(guests.splice(0).map((g) => g.kill()));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its kernel and the address it got by DHCP; no config drive', async () => {
    const guest = boot({ nic: true });
    const ready = await guest.waitFor('READY', BOOT_MS);
    const done = await guest.waitFor('DONE', BOOT_MS);
    console.log(
      `boot without config drive: KUMO-GUEST-READY after ${ready.toFixed(1)} s, DONE after ${done.toFixed(1)} s`,
    );

    const lines = guest.lines;
    expect(valuesOf(lines, 'READY')).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+-\d+-cloud-amd64$/)]);
    expect(valuesOf(lines, 'IP')).toEqual(['10.0.2.15']);
    expect(lines.map((l) => l.key)).toEqual(['READY', 'CONFIG-DRIVE-NONE', 'IP', 'DONE']);
  });

  it('reads a config drive on an IDE CD-ROM: uuid, hostname, and its key logs in over SSH', async () => {
    const uuid = randomUUID();
    const hostname = `tiny-${uuid.slice(0, 8)}.novalocal`;
    const key = join(dir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kumo-test', '-f', key], 30_000);
    const iso = await configDrive('cd', {
      uuid,
      hostname,
      name: hostname.split('.')[0],
      launch_index: 0,
      availability_zone: 'nova',
      public_keys: { 'kumo-test': `${readFileSync(`${key}.pub`, 'utf8').trim()}\n` },
      meta: { note: 'a "quoted" value\twith a tab' },
    });
    const sshPort = await freePort();

    const guest = boot({ nic: true, sshPort, configDrive: { file: iso, bus: 'ide-cdrom' } });
    const done = await guest.waitFor('DONE', BOOT_MS);
    console.log(`boot with config drive (CD-ROM): DONE after ${done.toFixed(1)} s`);

    const lines = guest.lines;
    expect(valuesOf(lines, 'CONFIG-DRIVE')).toEqual(['/dev/sr0']);
    expect(valuesOf(lines, 'UUID')).toEqual([uuid]);
    expect(valuesOf(lines, 'HOSTNAME')).toEqual([hostname]);
    expect(valuesOf(lines, 'KEYS')).toEqual(['1']);
    expect(valuesOf(lines, 'IP')).toEqual(['10.0.2.15']);
    expect(valuesOf(lines, 'SSH')).toEqual(['22']);
    const [hostKey] = valuesOf(lines, 'SSH-HOST-KEY');
    expect(hostKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+$/);

    // the guest's own host key, from its console, is the only one ssh accepts
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshPort} ${hostKey}\n`);
    const { stdout } = await run(
      'ssh',
      [
        ...[
          '-F',
          '/dev/null',
          '-i',
          key,
          '-p',
          String(sshPort),
          '-o',
          'BatchMode=yes',
          '-o',
          'IdentitiesOnly=yes',
        ],
        ...[
          '-o',
          'StrictHostKeyChecking=yes',
          '-o',
          `UserKnownHostsFile=${knownHosts}`,
          '-o',
          'ConnectTimeout=30',
        ],
        'root@127.0.0.1',
        'hostname; id -u',
      ],
      120_000,
    );
    expect(stdout.trim().split('\n')).toEqual([hostname, '0']);
  });

  it('reads a config drive on a second virtio disk; without a NIC it says so', async () => {
    const uuid = randomUUID();
    const iso = await configDrive('vd', { uuid, hostname: 'tiny-virtio', public_keys: {} });

    const guest = boot({ nic: false, configDrive: { file: iso, bus: 'virtio' } });
    await guest.waitFor('DONE', BOOT_MS);

    const lines = guest.lines;
    expect(valuesOf(lines, 'CONFIG-DRIVE')).toEqual(['/dev/vdb']);
    expect(valuesOf(lines, 'UUID')).toEqual([uuid]);
    expect(valuesOf(lines, 'HOSTNAME')).toEqual(['tiny-virtio']);
    expect(valuesOf(lines, 'KEYS')).toEqual([]);
    expect(valuesOf(lines, 'IP-NONE')).toEqual(['no-nic']);
    expect(valuesOf(lines, 'SSH')).toEqual([]);
  });

  it('powers off when the ACPI power button is pressed (libvirt virDomainShutdown)', async () => {
    const guest = boot({ nic: false });
    await guest.waitFor('DONE', BOOT_MS);
    const pressed = Date.now();
    // QEMU's system_powerdown is the ACPI press libvirt's graceful shutdown sends; with -no-reboot
    // QEMU exits 0 once the guest has powered itself off
    const code = await guest.powerdown(60_000);
    const seconds = (Date.now() - pressed) / 1000;
    console.log(`ACPI power button (${guest.accelerator}): powered off after ${seconds.toFixed(1)} s`);
    expect(code).toBe(0);
    expect(valuesOf(guest.lines, 'POWEROFF')).toEqual(['acpi-power-button']);
    expect(guest.lines.map((l) => l.key).slice(-2)).toEqual(['DONE', 'POWEROFF']);
    expect(guest.console).toMatch(/reboot: Power down/);
  });
});
