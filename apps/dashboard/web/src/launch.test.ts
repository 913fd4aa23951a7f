import { describe, expect, it } from 'vitest';
import { AbsoluteLimits, encodeUserData, Flavor, Image, LaunchForm, offeredFlavors, quotaRoom, serverCreateBody, USER_DATA_MAX, validateLaunch } from './launch';

const flavors: Flavor[] = [
  { id: 'matsu', name: 'matsu', vcpus: 8, ram: 16384, disk: 80 },
  { id: 'tiny', name: 'tiny', vcpus: 1, ram: 256, disk: 1 },
  { id: 'ume', name: 'ume', vcpus: 2, ram: 4096, disk: 20 },
  { id: 'off', name: 'off', vcpus: 1, ram: 128, disk: 1, 'OS-FLV-DISABLED:disabled': true },
];
const images: Image[] = [
  { id: 'img-tiny', name: 'kumo-tiny', status: 'active', min_disk: 0, min_ram: 0, size: 15_573_504 },
  { id: 'img-big', name: 'big', status: 'active', min_disk: 10, min_ram: 1024, size: 2 * 1024 ** 3 },
  { id: 'img-q', name: 'queued', status: 'queued' },
];
const limits: AbsoluteLimits = { maxTotalInstances: 10, totalInstancesUsed: 8, maxTotalCores: 20, totalCoresUsed: 0, maxTotalRAMSize: 51200, totalRAMUsed: 0 };
const ok: LaunchForm = { name: 'web-1', imageId: 'img-tiny', flavorId: 'tiny', keyName: '', userData: '', count: '1' };
const check = (f: Partial<LaunchForm>, l: AbsoluteLimits | undefined = limits) => validateLaunch({ ...ok, ...f }, { images, flavors: offeredFlavors(flavors), limits: l });

describe('validateLaunch', () => {
  it('accepts a complete form', () => {
    expect(check({})).toEqual({});
  });

  it('wants a name of at most 255 characters', () => {
    expect(check({ name: '  ' }).name).toBe('A name is required.');
    expect(check({ name: 'x'.repeat(255) }).name).toBeUndefined();
    expect(check({ name: 'x'.repeat(256) }).name).toMatch(/256 characters long; at most 255/);
  });

  it('wants an active image and a flavor', () => {
    expect(check({ imageId: '' }).imageId).toBe('Choose an image.');
    expect(check({ imageId: 'img-q' }).imageId).toMatch(/queued, not active/);
    expect(check({ flavorId: '' }).flavorId).toBe('Choose a flavor.');
    expect(check({ flavorId: 'off' }).flavorId).toMatch(/no longer listed/);
  });

  it("refuses a flavor below the image's min_disk, min_ram or size", () => {
    expect(check({ imageId: 'img-big', flavorId: 'tiny' }).flavorId).toBe('tiny has a 1 GiB disk; the image needs at least 10 GiB.');
    expect(check({ imageId: 'img-big', flavorId: 'ume' }).flavorId).toBeUndefined();
    const ramy = [{ id: 'r', status: 'active', min_ram: 512 }];
    expect(validateLaunch({ ...ok, imageId: 'r' }, { images: ramy, flavors }).flavorId).toBe('tiny has 256 MiB of RAM; the image needs at least 512 MiB.');
    const large = [{ id: 'l', status: 'active', size: 3 * 1024 ** 3 }];
    expect(validateLaunch({ ...ok, imageId: 'l' }, { images: large, flavors }).flavorId).toMatch(/smaller than the image \(3\.0 GiB\)/);
  });

  it('limits the base64 of the user data to 65535 characters', () => {
    // 49,149 bytes -> 65,532 base64 characters; 49,152 -> 65,536
    expect(check({ userData: 'a'.repeat(49_149) }).userData).toBeUndefined();
    expect(check({ userData: 'a'.repeat(49_152) }).userData).toMatch(`65536 characters once base64-encoded; at most ${USER_DATA_MAX}`);
    // multi-byte text counts by its UTF-8 bytes: 雲 is 3 bytes
    expect(check({ userData: '雲'.repeat(16_384) }).userData).toMatch(/65536 characters/);
  });

  it('wants a count of at least 1 within the quota', () => {
    for (const count of ['0', '-1', '1.5', 'two', '']) expect(check({ count }).count).toBe('The count is a whole number, at least 1.');
    expect(check({ count: '2' }).count).toBeUndefined();
    expect(check({ count: '3' }).count).toBe('The quota has room for 2 more: instances (8 of 10 used).');
    expect(check({ count: '1' }, { ...limits, totalInstancesUsed: 10 }).count).toBe('The quota has no room for another server: instances (10 of 10 used).');
    // cores bind before instances with a big flavor; -1 is unlimited
    expect(check({ flavorId: 'matsu', count: '2' }, { ...limits, totalInstancesUsed: 0, totalCoresUsed: 8 }).count).toBe('The quota has room for 1 more: vCPUs (8 of 20 used).');
    expect(check({ count: '500' }, { ...limits, maxTotalInstances: -1, maxTotalCores: -1, maxTotalRAMSize: -1 }).count).toBeUndefined();
    expect(validateLaunch({ ...ok, count: '500' }, { images, flavors }).count).toBeUndefined();
  });
});

describe('quotaRoom', () => {
  it('names the binding limit', () => {
    expect(quotaRoom({ ...limits, totalInstancesUsed: 0, maxTotalRAMSize: 1000 }, flavors[1])).toEqual({ room: 3, limit: 'MiB of RAM (0 of 1000 used)' });
  });
});

describe('serverCreateBody', () => {
  it('encodes the user data and sends the count as min and max', () => {
    const body = serverCreateBody({ ...ok, name: ' web ', keyName: 'k1', userData: '#cloud-config\nruncmd: [echo 雲]\n', count: '3' });
    expect(body.server).toEqual({ name: 'web', imageRef: 'img-tiny', flavorRef: 'tiny', key_name: 'k1', user_data: encodeUserData('#cloud-config\nruncmd: [echo 雲]\n'), min_count: 3, max_count: 3 });
    expect(new TextDecoder().decode(Uint8Array.from(atob(body.server.user_data as string), (c) => c.charCodeAt(0)))).toBe('#cloud-config\nruncmd: [echo 雲]\n');
    expect(serverCreateBody(ok).server).toEqual({ name: 'web-1', imageRef: 'img-tiny', flavorRef: 'tiny' });
  });

  it('offers enabled flavors, smallest first', () => {
    expect(offeredFlavors(flavors).map((f) => f.id)).toEqual(['tiny', 'ume', 'matsu']);
  });
});
