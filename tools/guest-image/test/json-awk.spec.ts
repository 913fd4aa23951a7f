import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { GUEST_IMAGE_DIR } from './support/guest';

// The guest parses meta_data.json with this awk program (busybox awk in the guest; the host's awk
// here — the program is POSIX awk, and the boot test runs it under busybox).
const JSON_AWK = join(GUEST_IMAGE_DIR, 'rootfs/usr/share/kumo/json.awk');

function flatten(json: string): { status: number | null; lines: string[]; stderr: string } {
  const r = spawnSync('awk', ['-f', JSON_AWK], { input: json, encoding: 'utf8' });
  return { status: r.status, lines: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr };
}

describe('json.awk (the guest meta_data.json reader)', () => {
  it('flattens a config drive meta_data.json as Nova writes it', () => {
    const meta = {
      random_seed: 'q0/Zx==',
      uuid: '0c3d8b5e-3b0e-4f6b-9a57-1d2f5e3b8a11',
      availability_zone: 'nova',
      keys: [{ data: 'ssh-ed25519 AAAAC3Nza k1\n', type: 'ssh', name: 'k1' }],
      hostname: 'tiny-1.novalocal',
      launch_index: 0,
      devices: [],
      meta: {},
      public_keys: { k1: 'ssh-ed25519 AAAAC3Nza k1\n', 'my.key': 'ssh-rsa AAAAB3 x' },
      project_id: 'f3b0',
      name: 'tiny-1',
    };
    expect(flatten(JSON.stringify(meta))).toEqual({
      status: 0,
      stderr: '',
      lines: [
        'random_seed\tq0/Zx==',
        'uuid\t0c3d8b5e-3b0e-4f6b-9a57-1d2f5e3b8a11',
        'availability_zone\tnova',
        'keys.0.data\tssh-ed25519 AAAAC3Nza k1',
        'keys.0.type\tssh',
        'keys.0.name\tk1',
        'hostname\ttiny-1.novalocal',
        'launch_index\t0',
        'public_keys.k1\tssh-ed25519 AAAAC3Nza k1',
        'public_keys.my.key\tssh-rsa AAAAB3 x',
        'project_id\tf3b0',
        'name\ttiny-1',
      ],
    });
  });

  it('decodes escapes; a value never holds a tab or a newline', () => {
    const json =
      '{ "a" : "x\\ty\\nz \\"q\\" \\\\ \\/ \\u0041\\u00e9" ,\n "n": [-1.5e3, true, false, null, {"b": ""}] }';
    expect(flatten(json).lines).toEqual([
      'a\tx y z "q" \\ / A?',
      'n.0\t-1.5e3',
      'n.1\ttrue',
      'n.2\tfalse',
      'n.3\tnull',
      'n.4.b\t',
    ]);
  });

  it.each([
    ['', 'empty input'],
    ['{"a": [1, ', 'unexpected character'],
    ['{"a" 1}', "expected ':'"],
    ['{"a": "x}', 'unterminated string'],
    ['{} x', 'trailing characters'],
  ])('rejects %j with exit status 2 (%s)', (json, message) => {
    const r = flatten(json);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
