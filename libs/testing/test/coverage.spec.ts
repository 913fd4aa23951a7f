import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { appsWithoutFuzzSpec } from '../src/coverage';

const touch = (path: string): void => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
};

describe('appsWithoutFuzzSpec', () => {
  it('names an HTTP app without a fuzz spec, and only those', () => {
    const root = mkdtempSync(join(tmpdir(), 'kumo-apps-'));
    try {
      touch(join(root, 'compute/src/main.api.ts'));
      touch(join(root, 'network/src/main.api.ts'));
      touch(join(root, 'network/test/fuzz/network.fuzz-spec.ts'));
      touch(join(root, 'swiftish/src/main.proxy.ts'));
      touch(join(root, 'swiftish/test/fuzz/notes.md'));
      touch(join(root, 'worker/src/main.agent.ts'));
      expect(appsWithoutFuzzSpec(root)).toEqual(['compute', 'swiftish']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds every HTTP service of this repository in the fuzz tier', () => {
    expect(appsWithoutFuzzSpec(join(__dirname, '../../../apps'))).toEqual([]);
  });
});
