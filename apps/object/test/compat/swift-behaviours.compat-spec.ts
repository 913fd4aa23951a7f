import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openrc, swift } from '@kumo/testing';

jest.setTimeout(120_000);


const run = (args: string[], env: Record<string, string>, cwd?: string) => swift(args, env, { cwd, encoding: 'latin1', maxBuffer: 16 * 1024 * 1024 });

/** Swift behaviours of issue 10 as the real python-swiftclient sees them, against the running stack. */
describe('object service behaviours with the real swift client', () => {
  const admin = openrc();
  const work = mkdtempSync(join(tmpdir(), 'kumo-swift-b-'));
  const c = `cb-${randomBytes(4).toString('hex')}`;
  const ok = async (args: string[], cwd?: string) => {
    const r = await run(args, admin, cwd);
    if (r.code !== 0) throw new Error(`swift ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  beforeAll(async () => {
    writeFileSync(join(work, 'f.txt'), 'hello\n');
    await ok(['post', c]);
  });
  afterAll(async () => {
    await run(['delete', c], admin);
    await run(['delete', `${c}_segments`], admin);
    rmSync(work, { recursive: true, force: true });
  });

  it('removes metadata with X-Remove-*-Meta-* (container and object)', async () => {
    await ok(['post', '-m', 'a:1', '-m', 'b:2', c]);
    await ok(['post', '-H', 'X-Remove-Container-Meta-A: x', c]);
    const stat = await ok(['stat', c]);
    expect(stat).toMatch(/Meta B: 2/);
    expect(stat).not.toMatch(/Meta A/);
    await ok(['upload', c, 'f.txt', '-H', 'X-Object-Meta-Keep: k', '-H', 'X-Remove-Object-Meta-Gone: x', '-H', 'X-Object-Meta-Empty:'], work);
    const o = await ok(['stat', c, 'f.txt']);
    expect(o).toMatch(/Meta Keep: k/);
    expect(o).not.toMatch(/Meta Gone|Meta Empty/);
  });

  it('shows the storage policy figures of the account, and the policy in the capabilities', async () => {
    const stat = await ok(['stat']);
    expect(stat).toMatch(/Containers in policy "policy-0": [1-9]/);
    expect(stat).toMatch(/Objects in policy "policy-0": \d+/);
    expect(stat).toMatch(/Bytes in policy "policy-0": \d+/);
    expect(await ok(['stat', c])).toMatch(/X-Storage-Policy: Policy-0/);
    expect(await ok(['capabilities'])).toMatch(/policies: \[\{'name': 'Policy-0', 'aliases': 'Policy-0', 'default': True\}\]/);
  });

  it('downloads a range of an SLO, refuses one past its end, and copies its content', async () => {
    const data = randomBytes(3000);
    writeFileSync(join(work, 'big.bin'), data);
    await ok(['upload', '--use-slo', '--segment-size', '1000', c, 'big.bin'], work);
    const part = await ok(['download', c, 'big.bin', '-o', '-', '-H', 'Range: bytes=995-1002']);
    expect(Buffer.from(part, 'latin1').equals(data.subarray(995, 1003))).toBe(true);
    const past = await run(['download', c, 'big.bin', '-o', '-', '-H', 'Range: bytes=5000-'], admin);
    expect(past.code).not.toBe(0);
    expect(past.stderr).toMatch(/416/);
    // `swift copy` of an SLO copies its content (it used to copy the manifest's JSON)
    await ok(['copy', '-d', `/${c}/big-copy.bin`, c, 'big.bin']);
    const copy = await ok(['download', c, 'big-copy.bin', '-o', '-']);
    expect(Buffer.from(copy, 'latin1').equals(data)).toBe(true);
  });

  it('refuses a referrer in X-Container-Write and If-None-Match other than *', async () => {
    const acl = await run(['post', '-H', 'X-Container-Write: .r:*', c], admin);
    expect(acl.code).not.toBe(0);
    expect(acl.stderr).toMatch(/400 Bad Request.*Referrers not allowed in write/);
    const inm = await run(['upload', c, 'f.txt', '--object-name', 'inm.txt', '-H', 'If-None-Match: "abc"'], admin, work);
    expect(inm.code).not.toBe(0);
    expect(inm.stderr).toMatch(/400/);
    expect((await run(['stat', c, 'inm.txt'], admin)).code).not.toBe(0);
  });
});
