import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ENTRY = resolve(__dirname, '../dist/main.api.js');

function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    execFile('node', [ENTRY], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }, (err, _out, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr: stderr.toString() }),
    );
  });
}

describe('identity start-up with a bad configuration', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run 'pnpm build' first`);
    dir = mkdtempSync(join(tmpdir(), 'kumo-badcfg-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops with one line naming the unknown key and the file', async () => {
    const file = join(dir, 'kumo.yaml');
    writeFileSync(file, 'identity:\n  prot: 5000\n');
    const r = await run({ KUMO_CONFIG: file });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kumo: invalid configuration in ${file}: identity.prot: unknown key\n`);
  });

  it('stops with one line naming a wrongly typed key set from the environment', async () => {
    const file = join(dir, 'kumo.yaml');
    writeFileSync(file, 'identity:\n  port: 5000\n');
    const r = await run({ KUMO_CONFIG: file, KUMO_IDENTITY_TOKEN_EXPIRATION: 'soon' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('identity.token_expiration');
  });
});
