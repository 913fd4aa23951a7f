// The agent's image cache manager (Nova's remove_unused_base_images) on real qcow2 files made by
// qemu-img: a base an instance's overlay backs onto is never removed (and its age restarts), an
// unused one goes once older than the minimum age, a younger one, one a build just took, and all of
// them with removal off are kept; partial fetches go; an unreadable overlay stops the pass.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manageImageCache, qcow2BackingFile } from '../../src/drivers/libvirt/image-cache-manager';

const DAY = 86_400;
const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { stdio: 'pipe' });

describe('image cache manager (_base)', () => {
  let root: string;
  let base: string;
  const ids = { used: randomUUID(), unused: randomUUID(), young: randomUUID(), relative: randomUUID() };
  const now = Date.now();
  const age = (file: string, seconds: number) => utimesSync(file, (now - seconds * 1000) / 1000, (now - seconds * 1000) / 1000);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kumo-imgcache-'));
    base = join(root, '_base');
    mkdirSync(base);
    for (const id of Object.values(ids)) qemuImg('create', '-q', '-f', 'qcow2', join(base, id), '1M');
    // overlays as the driver makes them (absolute backing path), and one with a relative one
    const a = randomUUID();
    const b = randomUUID();
    mkdirSync(join(root, a));
    mkdirSync(join(root, b));
    qemuImg('create', '-q', '-f', 'qcow2', '-b', join(base, ids.used), '-F', 'qcow2', join(root, a, 'disk'), '2M');
    qemuImg('create', '-q', '-f', 'qcow2', '-b', `../_base/${ids.relative}`, '-F', 'qcow2', join(root, b, 'disk'));
    // an instance directory without a disk yet (a build before prepare_disk): no use, no error
    mkdirSync(join(root, randomUUID()));
    writeFileSync(join(base, `${ids.unused}.fetch-0badf00d`), 'partial');
    for (const id of [ids.used, ids.unused, ids.relative]) age(join(base, id), 2 * DAY);
    age(join(base, `${ids.unused}.fetch-0badf00d`), 2 * DAY);
    age(join(base, ids.young), 3600);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("reads an overlay's backing file from its qcow2 header (none for a base)", async () => {
    const [a] = readdirSync(root).filter((d) => existsSync(join(root, d, 'disk')) && statSync(join(root, d, 'disk')).size > 0);
    expect([join(base, ids.used), `../_base/${ids.relative}`]).toContain(await qcow2BackingFile(join(root, a, 'disk')));
    await expect(qcow2BackingFile(join(base, ids.unused))).resolves.toBeNull();
  });

  it('removes the old unused base and partial fetch, keeps the ones overlays back onto (touched) and the young one', async () => {
    const r = await manageImageCache({ instancesPath: root, removeUnused: true, minAgeSeconds: DAY, now: () => now });
    expect(r.removed.sort()).toEqual([ids.unused, `${ids.unused}.fetch-0badf00d`].sort());
    expect(r.inUse.sort()).toEqual([ids.used, ids.relative].sort());
    expect(r.kept).toEqual([ids.young]);
    expect(readdirSync(base).sort()).toEqual([ids.used, ids.young, ids.relative].sort());
    // in use: its age starts again (the next pass after its last guest is gone waits a full day)
    expect(Math.abs(statSync(join(base, ids.used)).mtimeMs - now)).toBeLessThan(1000);
    // the overlays still open with their backing chain
    for (const d of readdirSync(root).filter((x) => existsSync(join(root, x, 'disk')))) qemuImg('info', '--backing-chain', join(root, d, 'disk'));
  });

  it('keeps everything with remove_unused_base_images off, and what a build just took', async () => {
    const off = await manageImageCache({ instancesPath: root, removeUnused: false, minAgeSeconds: DAY, now: () => now });
    expect(off.removed).toEqual([]);
    expect(off.kept.sort()).toEqual([ids.unused, ids.young].sort());
    const busy = await manageImageCache({ instancesPath: root, removeUnused: true, minAgeSeconds: DAY, now: () => now, busy: () => [ids.unused] });
    expect(busy.removed).toEqual([]);
    expect(existsSync(join(base, ids.unused))).toBe(true);
  });

  it('removes nothing when an overlay cannot be read', async () => {
    const broken = randomUUID();
    mkdirSync(join(root, broken, 'disk'), { recursive: true }); // a directory where the disk should be: EISDIR
    await expect(manageImageCache({ instancesPath: root, removeUnused: true, minAgeSeconds: DAY, now: () => now })).rejects.toThrow(`the overlay of instance ${broken} could not be read`);
    expect(existsSync(join(base, ids.unused))).toBe(true);
  });

  it('has nothing to do without a _base directory', async () => {
    rmSync(base, { recursive: true });
    await expect(manageImageCache({ instancesPath: root, removeUnused: true, minAgeSeconds: 0 })).resolves.toEqual({ inUse: [], removed: [], kept: [] });
  });
});
