// LibvirtDriver.destroy's order and idempotency over a recording libvirt client (the real
// libvirtd's terminate is in test/integration/libvirt-driver.int-spec.ts): destroy with default
// flags and no ACPI shutdown first (Nova's delete), undefine with its flags, the instance
// directory last, and nothing removed when libvirt could not stop the guest.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@kumo/common';
import { DomainUndefineFlags, ErrorNumber, LibvirtError, type Domain } from '@kumo/libvirt';
import type { CommandExecutor } from '../../../src/drivers/command-executor';
import { LibvirtDriver } from '../../../src/drivers/libvirt/libvirt.driver';

const UNDEFINE_FLAGS = DomainUndefineFlags.MANAGED_SAVE | DomainUndefineFlags.SNAPSHOTS_METADATA | DomainUndefineFlags.NVRAM | DomainUndefineFlags.CHECKPOINTS_METADATA;

/** The libvirt calls destroy may make, recorded in order; any other call fails (no shutdown, no state poll). */
class RecordingClient {
  readonly calls: string[] = [];
  domains = new Map<string, Domain>();
  /** what domainDestroy throws (undefined: the guest stops) */
  destroyError: LibvirtError | undefined;
  /** the instance directory, to see that the files outlive the domain */
  constructor(private readonly dirOf: (uuid: string) => string) {}

  async domainLookupByUUID(uuid: string): Promise<Domain> {
    this.calls.push('lookup');
    const dom = this.domains.get(uuid);
    if (!dom) throw new LibvirtError(`Domain not found: no domain with matching uuid '${uuid}'`, ErrorNumber.NO_DOMAIN);
    return dom;
  }
  async domainDestroy(dom: Domain, flags = 0): Promise<void> {
    this.calls.push(`destroy flags=${flags}`);
    if (this.destroyError) throw this.destroyError;
    if (!this.domains.has(dom.uuid)) throw new LibvirtError('Domain not found', ErrorNumber.NO_DOMAIN);
  }
  async domainUndefine(dom: Domain, flags = 0): Promise<void> {
    this.calls.push(`undefine flags=${flags} files=${existsSync(this.dirOf(dom.uuid)) ? 'present' : 'gone'}`);
    if (!this.domains.delete(dom.uuid)) throw new LibvirtError('Domain not found', ErrorNumber.NO_DOMAIN);
  }
}

describe('LibvirtDriver.destroy', () => {
  let root: string;
  let driver: LibvirtDriver;
  let client: RecordingClient;
  const id = randomUUID();
  const dom: Domain = { name: `instance-${id}`, uuid: id, id: 7 };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kumo-destroy-'));
    driver = new LibvirtDriver(
      { uri: 'qemu:///system', instancesPath: root, domainPrefix: 'instance-', virtType: 'qemu', machine: 'pc', shutdownTimeoutMs: 60_000, softRebootWaitMs: 120_000, startTimeoutMs: 30_000, kvmProbeTimeoutMs: 10_000 },
      null as unknown as CommandExecutor,
      async () => {
        throw new Error('no image is fetched here');
      },
      createLogger('libvirt-destroy-test', process.env.KUMO_TEST_LOG ?? 'silent'),
    );
    client = new RecordingClient((uuid) => driver.instanceDir(uuid));
    // the driver's connection (init() opens a ReconnectingLibvirt): only its client is used by destroy
    Object.assign(driver as unknown as { lv: unknown }, { lv: { client } });
    const dir = driver.instanceDir(id);
    mkdirSync(dir);
    for (const f of ['disk', 'disk.config', 'console.log']) writeFileSync(join(dir, f), f);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('destroys (default flags: SIGTERM, no ACPI shutdown first), undefines, then removes the instance directory', async () => {
    client.domains.set(id, dom);
    await driver.destroy(id);
    expect(client.calls).toEqual(['lookup', 'destroy flags=0', `undefine flags=${UNDEFINE_FLAGS} files=present`]);
    expect(existsSync(driver.instanceDir(id))).toBe(false);
    expect(client.domains.size).toBe(0);
  });

  it('is idempotent: a second destroy finds no domain and no directory, and succeeds', async () => {
    client.domains.set(id, dom);
    await driver.destroy(id);
    client.calls.length = 0;
    await expect(driver.destroy(id)).resolves.toBeUndefined();
    expect(client.calls).toEqual(['lookup']);
  });

  it('removes a shut-off guest (an ERROR or SHUTOFF server): destroy says it is not running, undefine and the files follow', async () => {
    client.domains.set(id, dom);
    client.destroyError = new LibvirtError('Requested operation is not valid: domain is not running', ErrorNumber.OPERATION_INVALID);
    await driver.destroy(id);
    expect(client.calls).toEqual(['lookup', 'destroy flags=0', `undefine flags=${UNDEFINE_FLAGS} files=present`]);
    expect(existsSync(driver.instanceDir(id))).toBe(false);
  });

  it('removes the files of a guest whose domain is already gone (a build that failed before define)', async () => {
    await driver.destroy(id);
    expect(client.calls).toEqual(['lookup']);
    expect(existsSync(driver.instanceDir(id))).toBe(false);
  });

  it('keeps the domain and the disk when libvirt could not stop the guest, and throws its error', async () => {
    client.domains.set(id, dom);
    client.destroyError = new LibvirtError('Failed to terminate process 4242 with SIGKILL: Device or resource busy', ErrorNumber.SYSTEM_ERROR);
    await expect(driver.destroy(id)).rejects.toThrow('Failed to terminate process 4242 with SIGKILL');
    expect(client.calls).toEqual(['lookup', 'destroy flags=0']);
    expect(client.domains.has(id)).toBe(true);
    expect(existsSync(join(driver.instanceDir(id), 'disk'))).toBe(true);
  });
});
