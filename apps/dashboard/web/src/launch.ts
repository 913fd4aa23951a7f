/** The launch wizard's logic: what it reads (images, flavors, limits), its checks, and the create request. */

export interface Image {
  id: string;
  name?: string | null;
  status: string;
  min_disk?: number;
  min_ram?: number;
  size?: number | null;
  visibility?: string;
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  'OS-FLV-DISABLED:disabled'?: boolean;
}

export interface KeyPair {
  name: string;
  fingerprint?: string;
  type?: string;
}

/** GET /limits' absolute part (-1: unlimited). */
export interface AbsoluteLimits {
  maxTotalInstances: number;
  totalInstancesUsed: number;
  maxTotalCores: number;
  totalCoresUsed: number;
  maxTotalRAMSize: number;
  totalRAMUsed: number;
}

export interface LaunchForm {
  name: string;
  imageId: string;
  flavorId: string;
  keyName: string;
  userData: string;
  count: string;
}

export type LaunchErrors = Partial<Record<keyof LaunchForm, string>>;

/** Nova's limit on user_data: 65535 characters of base64 (servers.py's schema). */
export const USER_DATA_MAX = 65535;
export const NAME_MAX = 255;

/** The menu's marks: 梅 ume (plum), 竹 take (bamboo), 松 matsu (pine), the traditional ranks, 松 the highest. */
const FLAVOR_WORDS: Record<string, string> = { ume: '梅', take: '竹', matsu: '松' };
export function flavorMark(f: Pick<Flavor, 'name'>): string | undefined {
  return FLAVOR_WORDS[f.name];
}

/** The flavors to offer, smallest first (disabled ones left out). */
export function offeredFlavors(list: Flavor[]): Flavor[] {
  return list.filter((f) => !f['OS-FLV-DISABLED:disabled']).sort((a, b) => a.vcpus - b.vcpus || a.ram - b.ram || a.disk - b.disk || a.name.localeCompare(b.name));
}

/** UTF-8 then base64, as the API wants user_data. */
export function encodeUserData(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Why a flavor cannot boot an image (its min_disk in GiB, min_ram in MiB), or undefined when it can. */
export function flavorTooSmall(flavor: Flavor, image: Image | undefined): string | undefined {
  if (!image) return undefined;
  const minDisk = image.min_disk ?? 0;
  const minRam = image.min_ram ?? 0;
  // a flavor with disk 0 boots from the image's own size (Nova checks the image's size instead)
  if (flavor.disk > 0 && minDisk > flavor.disk) return `${flavor.name} has a ${flavor.disk} GiB disk; the image needs at least ${minDisk} GiB.`;
  if (flavor.disk > 0 && image.size && image.size > flavor.disk * 1024 ** 3) return `${flavor.name}'s ${flavor.disk} GiB disk is smaller than the image (${(image.size / 1024 ** 3).toFixed(1)} GiB).`;
  if (minRam > flavor.ram) return `${flavor.name} has ${flavor.ram} MiB of RAM; the image needs at least ${minRam} MiB.`;
  return undefined;
}

/** How many more servers of `flavor` the quota allows (Infinity when unlimited), and which limit binds. */
export function quotaRoom(limits: AbsoluteLimits, flavor: Flavor | undefined): { room: number; limit?: string } {
  const rooms: Array<[number, string]> = [];
  const add = (max: number, used: number, per: number, what: string) => {
    if (max < 0 || per <= 0) return;
    rooms.push([Math.floor(Math.max(0, max - used) / per), `${what} (${used} of ${max} used)`]);
  };
  add(limits.maxTotalInstances, limits.totalInstancesUsed, 1, 'instances');
  if (flavor) {
    add(limits.maxTotalCores, limits.totalCoresUsed, flavor.vcpus, 'vCPUs');
    add(limits.maxTotalRAMSize, limits.totalRAMUsed, flavor.ram, 'MiB of RAM');
  }
  if (!rooms.length) return { room: Infinity };
  const [room, limit] = rooms.reduce((a, b) => (b[0] < a[0] ? b : a));
  return { room, limit };
}

/** The form's problems, by field (empty when it can be sent). */
export function validateLaunch(form: LaunchForm, ctx: { images: Image[]; flavors: Flavor[]; limits?: AbsoluteLimits }): LaunchErrors {
  const errors: LaunchErrors = {};
  const name = form.name.trim();
  if (!name) errors.name = 'A name is required.';
  else if (name.length > NAME_MAX) errors.name = `The name is ${name.length} characters long; at most ${NAME_MAX}.`;
  const image = ctx.images.find((i) => i.id === form.imageId);
  if (!form.imageId) errors.imageId = 'Choose an image.';
  else if (!image) errors.imageId = 'That image is no longer listed.';
  else if (image.status !== 'active') errors.imageId = `The image is ${image.status}, not active: it cannot boot yet.`;
  const flavor = ctx.flavors.find((f) => f.id === form.flavorId);
  if (!form.flavorId) errors.flavorId = 'Choose a flavor.';
  else if (!flavor) errors.flavorId = 'That flavor is no longer listed.';
  else {
    const small = flavorTooSmall(flavor, image);
    if (small) errors.flavorId = small;
  }
  if (form.userData) {
    const size = encodeUserData(form.userData).length;
    if (size > USER_DATA_MAX) errors.userData = `The user data is ${size} characters once base64-encoded; at most ${USER_DATA_MAX} (about 48 KiB of text).`;
  }
  const count = Number(form.count);
  if (!/^\d+$/.test(form.count.trim()) || !Number.isSafeInteger(count) || count < 1) errors.count = 'The count is a whole number, at least 1.';
  else if (ctx.limits) {
    const { room, limit } = quotaRoom(ctx.limits, flavor);
    if (count > room) errors.count = room === 0 ? `The quota has no room for another server: ${limit}.` : `The quota has room for ${room} more: ${limit}.`;
  }
  return errors;
}

/** The body of POST /servers for a valid form (min_count = max_count = count: all or none). */
export function serverCreateBody(form: LaunchForm): { server: Record<string, unknown> } {
  const count = Number(form.count);
  const server: Record<string, unknown> = { name: form.name.trim(), imageRef: form.imageId, flavorRef: form.flavorId };
  if (form.keyName) server.key_name = form.keyName;
  if (form.userData) server.user_data = encodeUserData(form.userData);
  if (count > 1) {
    server.min_count = count;
    server.max_count = count;
  }
  return { server };
}
