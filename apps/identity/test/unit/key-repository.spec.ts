import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyRepository } from '../../src/services/key-repository';
import { decodeToken, encodeToken } from '../../src/services/token-codec';

describe('KeyRepository', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'kumo-keys-')), 'keys');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('creates a first private key', () => {
    const { signing, all } = new KeyRepository(dir).load();
    expect(signing.id).toBe('1');
    expect(all.size).toBe(1);
    expect(readdirSync(dir)).toEqual(['1.key']);
    expect(statSync(join(dir, '1.key')).mode & 0o777).toBe(0o600);
  });

  it('signs with the newest key after rotation and still verifies the older one', () => {
    const repo = new KeyRepository(dir);
    const before = repo.load();
    const old = encodeToken(
      { userId: 'u', methods: ['password'], issuedAt: 1, expiresAt: 2, auditIds: ['a'] },
      before.signing,
    );
    expect(repo.rotate()).toBe(2);
    const after = repo.load();
    expect(after.signing.id).toBe('2');
    expect(decodeToken(old, after.all)?.userId).toBe('u');
  });
});
