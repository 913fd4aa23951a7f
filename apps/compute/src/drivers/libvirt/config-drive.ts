// The config drive: an ISO 9660 file system labelled `config-2` with OpenStack's metadata layout
// (openstack/<version>/meta_data.json, user_data, vendor_data*.json), attached as a CD-ROM. The
// guest (cloud-init, or kumo-tiny's init) reads its uuid, hostname and keys from it.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GuestSpec } from '../compute-driver';
import type { CommandExecutor } from '../command-executor';

/** The metadata versions written (Nova writes every one it knows; these are what guests ask for). */
export const CONFIG_DRIVE_VERSIONS = ['2012-08-10', 'latest'] as const;
export const CONFIG_DRIVE_LABEL = 'config-2';

/**
 * meta_data.json as Nova's InstanceMetadata writes it (the fields guests read), with the admin
 * password as `admin_pass` when there is one (the libvirt driver's _create_configdrive puts
 * injection_info.admin_pass into extra_md; cloud-init sets it as the default user's password).
 */
export function metaData(spec: GuestSpec, randomSeed: Buffer = randomBytes(512)): Record<string, unknown> {
  const key = spec.keyPair;
  return {
    ...(spec.adminPass ? { admin_pass: spec.adminPass } : {}),
    uuid: spec.instanceId,
    meta: spec.metadata,
    public_keys: key ? { [key.name]: key.publicKey } : {},
    keys: key ? [{ name: key.name, type: key.type, data: key.publicKey }] : [],
    hostname: spec.hostname,
    name: spec.name,
    launch_index: spec.launchIndex,
    availability_zone: spec.availabilityZone ?? 'nova',
    random_seed: randomSeed.toString('base64'),
    project_id: spec.projectId,
    devices: [],
  };
}

/** Every file of the drive, path → content (user_data decoded from base64). */
export function configDriveFiles(spec: GuestSpec, randomSeed?: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const meta = Buffer.from(JSON.stringify(metaData(spec, randomSeed)));
  const userData = spec.userData ? Buffer.from(spec.userData, 'base64') : null;
  for (const v of CONFIG_DRIVE_VERSIONS) {
    files.set(`openstack/${v}/meta_data.json`, meta);
    files.set(`openstack/${v}/vendor_data.json`, Buffer.from('{}'));
    files.set(`openstack/${v}/vendor_data2.json`, Buffer.from('{}'));
    if (userData) files.set(`openstack/${v}/user_data`, userData);
  }
  // the seam for the network issue: openstack/<v>/network_data.json from the bound ports
  return files;
}

/** Writes the files into a scratch directory beside `isoPath` and makes the ISO with genisoimage. */
export async function buildConfigDrive(exec: CommandExecutor, spec: GuestSpec, isoPath: string): Promise<void> {
  const root = join(dirname(isoPath), 'config-drive.d');
  await rm(root, { recursive: true, force: true });
  try {
    for (const [path, content] of configDriveFiles(spec)) {
      const file = join(root, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content, { mode: 0o644 });
    }
    // Nova's flags: Rock Ridge and Joliet, names as written (lower case, dots)
    await exec.run(
      ['genisoimage', '-o', isoPath, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'Kumo', '-quiet', '-J', '-r', '-V', CONFIG_DRIVE_LABEL, root],
      { timeoutMs: 60_000 },
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
