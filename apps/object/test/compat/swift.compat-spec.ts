import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openrc, runCli, runCliOk } from '@kumo/testing';

jest.setTimeout(180_000);


const run = (cmd: string, args: string[], env: Record<string, string>, cwd?: string) => runCli(cmd, args, env, { cwd, timeoutMs: 120_000 });
const ok = (cmd: string, args: string[], env: Record<string, string>, cwd?: string) => runCliOk(cmd, args, env, { cwd, timeoutMs: 120_000 });

/** Debian's python3-swiftclient and openstackclient against the running stack's object service. */
describe('object storage with the real swift and openstack clients', () => {
  const admin = openrc('admin');
  const demo = openrc('demo');
  const work = mkdtempSync(join(tmpdir(), 'kumo-swift-'));
  const c1 = `ct-${randomBytes(4).toString('hex')}`;
  const c2 = `${c1}-b`;

  beforeAll(() => {
    mkdirSync(join(work, 'dir'));
    writeFileSync(join(work, 'file.txt'), 'hello kumo\n');
    writeFileSync(join(work, 'dir', 'a.txt'), 'a\n');
    writeFileSync(join(work, 'dir', 'b.txt'), 'b\n');
  });
  afterAll(async () => {
    await run('swift', ['delete', c1], admin);
    await run('swift', ['delete', c2], admin);
    rmSync(work, { recursive: true, force: true });
  });

  it('stats the account and creates a container', async () => {
    await expect(ok('swift', ['stat'], admin)).resolves.toMatch(/Account: AUTH_[0-9a-f]{32}/);
    await ok('swift', ['post', c1], admin);
    await expect(ok('swift', ['list'], admin)).resolves.toContain(c1);
  });

  it('uploads, lists with prefix and delimiter, downloads identical bytes', async () => {
    await ok('swift', ['upload', c1, 'file.txt', 'dir/a.txt', 'dir/b.txt'], admin, work);
    await expect(ok('swift', ['list', c1, '--prefix', 'dir/', '--delimiter', '/'], admin)).resolves.toBe('dir/a.txt\ndir/b.txt\n');
    await expect(ok('swift', ['list', c1, '--delimiter', '/'], admin)).resolves.toBe('dir/\nfile.txt\n');
    await ok('swift', ['download', c1, 'file.txt', '-o', join(work, 'out.txt')], admin);
    expect(readFileSync(join(work, 'out.txt'), 'utf8')).toBe('hello kumo\n');
  });

  it('sets object metadata and copies an object server-side', async () => {
    await ok('swift', ['post', '-m', 'color:blue', c1, 'file.txt'], admin);
    await expect(ok('swift', ['stat', c1, 'file.txt'], admin)).resolves.toMatch(/Meta Color: blue/);
    await ok('swift', ['copy', '-d', `/${c2}/copied.txt`, c1, 'file.txt'], admin);
    const stat = await ok('swift', ['stat', c2, 'copied.txt'], admin);
    expect(stat).toMatch(/Meta Color: blue/);
    expect(stat).toMatch(/Content Length: 11/);
  });

  it.each([
    ['DLO', []],
    ['SLO', ['--use-slo']],
  ])('uploads and downloads a segmented object (%s) with identical bytes, then deletes its segments', async (_kind, flags) => {
    const c = `${c1}-${flags.length ? 'slo' : 'dlo'}`;
    writeFileSync(join(work, 'big.bin'), randomBytes(3 * 1024 * 1024 + 12345));
    await ok('swift', ['upload', ...flags, '--segment-size', '1048576', c, 'big.bin'], admin, work);
    const stat = await ok('swift', ['stat', c, 'big.bin'], admin);
    expect(stat).toMatch(/Content Length: 3158073/);
    expect(stat).toMatch(flags.length ? /X-Static-Large-Object: True/ : /Manifest: /);
    await ok('swift', ['download', c, 'big.bin', '-o', join(work, 'big.out')], admin);
    expect(readFileSync(join(work, 'big.out')).equals(readFileSync(join(work, 'big.bin')))).toBe(true);
    await ok('swift', ['delete', c, 'big.bin'], admin);
    await expect(ok('swift', ['list', `${c}_segments`], admin)).resolves.toBe('');
    await run('swift', ['delete', c], admin);
    await run('swift', ['delete', `${c}_segments`], admin);
  });

  it('works through openstack container and object commands', async () => {
    const c3 = `${c1}-osc`;
    await ok('openstack', ['container', 'create', c3], admin);
    await expect(ok('openstack', ['container', 'list', '-f', 'value'], admin)).resolves.toContain(c3);
    await expect(ok('openstack', ['container', 'show', c3, '-f', 'json'], admin)).resolves.toContain(`"container": "${c3}"`);
    await ok('openstack', ['object', 'create', c3, 'file.txt'], admin, work);
    await expect(ok('openstack', ['object', 'list', c3, '-f', 'value'], admin)).resolves.toBe('file.txt\n');
    await ok('openstack', ['object', 'save', '--file', join(work, 'saved.txt'), c3, 'file.txt'], admin);
    expect(readFileSync(join(work, 'saved.txt'), 'utf8')).toBe('hello kumo\n');
    await ok('openstack', ['object', 'delete', c3, 'file.txt'], admin);
    await ok('openstack', ['container', 'delete', c3], admin);
  });

  it('keeps the demo project out of admin’s account', async () => {
    const adminAccount = /Account: (AUTH_[0-9a-f]+)/.exec(await ok('swift', ['stat'], admin))![1];
    const r = await run('swift', ['--os-storage-url', `http://127.0.0.1:8080/v1/${adminAccount}`, 'list', c1], demo);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/403/);
  });

  it('serves a public-read container without a token, and a project grant to another project', async () => {
    const c = `${c1}-pub`;
    await ok('swift', ['upload', c, 'file.txt'], admin, work);
    const account = /Account: (AUTH_[0-9a-f]+)/.exec(await ok('swift', ['stat'], admin))![1];
    const url = `http://127.0.0.1:8080/v1/${account}/${c}`;
    expect((await fetch(`${url}/file.txt`)).status).toBe(401);
    await expect(run('swift', ['--os-storage-url', `http://127.0.0.1:8080/v1/${account}`, 'list', c], demo)).resolves.toMatchObject({ code: 1 });

    const demoProject = JSON.parse(await ok('openstack', ['token', 'issue', '-f', 'json'], demo)).project_id as string;
    await ok('swift', ['post', '-r', `.r:*,.rlistings,${demoProject}:*`, c], admin);
    const anon = await fetch(`${url}/file.txt`);
    expect(anon.status).toBe(200);
    await expect(anon.text()).resolves.toBe('hello kumo\n');
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(`${url}/evil`, { method: 'PUT', body: 'x' })).status).toBe(401);
    await expect(ok('swift', ['--os-storage-url', `http://127.0.0.1:8080/v1/${account}`, 'list', c], demo)).resolves.toBe('file.txt\n');
    const demoWrite = await run('swift', ['--os-storage-url', `http://127.0.0.1:8080/v1/${account}`, 'upload', c, 'file.txt', '--object-name', 'demo.txt'], demo, work);
    expect(demoWrite.code).not.toBe(0);
    await ok('swift', ['delete', c], admin);
  });

  it('hands out temp URLs made by `swift tempurl` (GET and PUT) and refuses them once tampered with', async () => {
    const c = `${c1}-tmp`;
    await ok('swift', ['upload', c, 'file.txt'], admin, work);
    const account = /Account: (AUTH_[0-9a-f]+)/.exec(await ok('swift', ['stat'], admin))![1];
    const key = randomBytes(8).toString('hex');
    await ok('swift', ['post', '-m', `Temp-URL-Key:${key}`], admin);
    const get = (await ok('swift', ['tempurl', 'GET', '60', `/v1/${account}/${c}/file.txt`, key], admin)).trim();
    const r = await fetch(`http://127.0.0.1:8080${get}`);
    expect(r.status).toBe(200);
    await expect(r.text()).resolves.toBe('hello kumo\n');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="file.txt"/);
    // tamper: change the signature's first digit to a different one (replacing it with '0' was a no-op 1 time in 16)
    const tampered = get.replace(/temp_url_sig=(.)/, (_m, c: string) => `temp_url_sig=${c === '0' ? '1' : '0'}`);
    expect((await fetch(`http://127.0.0.1:8080${tampered}`)).status).toBe(401);
    const put = (await ok('swift', ['tempurl', 'PUT', '1h', `/v1/${account}/${c}/dropped.txt`, key], admin)).trim();
    expect((await fetch(`http://127.0.0.1:8080${put}`, { method: 'PUT', body: 'dropped off' })).status).toBe(201);
    await ok('swift', ['download', c, 'dropped.txt', '-o', join(work, 'dropped.txt')], admin);
    expect(readFileSync(join(work, 'dropped.txt'), 'utf8')).toBe('dropped off');
    await ok('swift', ['post', '-m', 'Temp-URL-Key:'], admin);
    expect((await fetch(`http://127.0.0.1:8080${get}`)).status).toBe(401);
    await ok('swift', ['delete', c], admin);
  });

  it('keeps the history of an object in the X-History-Location container', async () => {
    const c = `${c1}-ver`;
    const archive = `${c1}-ver-archive`;
    await ok('swift', ['post', archive], admin);
    await ok('swift', ['post', '-H', `X-History-Location: ${archive}`, c], admin);
    await expect(ok('swift', ['stat', c], admin)).resolves.toMatch(new RegExp(`X-History-Location: ${archive}`));
    writeFileSync(join(work, 'doc.txt'), 'version 1\n');
    await ok('swift', ['upload', c, 'doc.txt'], admin, work);
    writeFileSync(join(work, 'doc.txt'), 'version 2\n');
    await ok('swift', ['upload', c, 'doc.txt'], admin, work);
    const versions = (await ok('swift', ['list', archive], admin)).trim().split('\n');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatch(/^007doc\.txt\/\d{10}\.\d{5}$/);
    await ok('swift', ['download', archive, versions[0], '-o', join(work, 'v1.txt')], admin);
    expect(readFileSync(join(work, 'v1.txt'), 'utf8')).toBe('version 1\n');
    await ok('swift', ['delete', c, 'doc.txt'], admin);
    expect((await ok('swift', ['list', archive], admin)).trim().split('\n')).toHaveLength(2);
    await ok('swift', ['delete', c], admin);
    await ok('swift', ['delete', archive], admin);
  });

  it('expires an object uploaded with X-Delete-After', async () => {
    const c = `${c1}-exp`;
    await ok('swift', ['upload', '-H', 'X-Delete-After: 10', c, 'file.txt'], admin, work);
    const deleteAt = Number(/X-Delete-At: (\d+)/.exec(await ok('swift', ['stat', c, 'file.txt'], admin))![1]);
    expect(deleteAt).toBeGreaterThan(Date.now() / 1000);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, (deleteAt + 1) * 1000 - Date.now()));
    const r = await run('swift', ['download', c, 'file.txt', '-o', '-'], admin);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not found/);
    await run('swift', ['delete', c], admin);
  });

  it('deletes a container with its objects', async () => {
    await ok('swift', ['delete', c1], admin);
    await expect(ok('swift', ['list'], admin)).resolves.not.toContain(`${c1}\n`);
  });
});
