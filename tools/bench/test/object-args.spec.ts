import { UsageError } from '../src/args';
import { authKindOf, parseObjectArgs, parseSize } from '../src/object-args';

describe('bench object arguments', () => {
  it('reads the three kinds of target with per-target credentials', () => {
    const a = parseObjectArgs([
      '--target',
      'swift=http://127.0.0.1:7080/auth/v1.0/',
      '--user-swift',
      'admin:admin',
      '--key-swift',
      'k',
      '--target=kumo=http://127.0.0.1:5000/v3',
      '--user',
      'admin',
      '--key-kumo',
      'pw',
      '--region-kumo',
      'RegionOne',
      '--target',
      'raw=http://127.0.0.1:8080/v1/AUTH_abc',
      '--token-raw',
      'tok',
      '--pid',
      'kumo=42',
      '--storage-pid',
      'kumo=1,2',
      '--storage-pid=kumo=3',
    ]);
    expect(a.targets).toEqual([
      {
        name: 'swift',
        url: 'http://127.0.0.1:7080/auth/v1.0',
        auth: { kind: 'tempauth', user: 'admin:admin', key: 'k' },
        pid: undefined,
        storagePids: [],
      },
      {
        name: 'kumo',
        url: 'http://127.0.0.1:5000/v3',
        auth: {
          kind: 'keystone',
          user: 'admin',
          password: 'pw',
          project: 'admin',
          domain: 'Default',
          region: 'RegionOne',
        },
        pid: 42,
        storagePids: [1, 2, 3],
      },
      {
        name: 'raw',
        url: 'http://127.0.0.1:8080/v1/AUTH_abc',
        auth: { kind: 'token', token: 'tok' },
        pid: undefined,
        storagePids: [],
      },
    ]);
  });

  it('has the issue defaults', () => {
    const a = parseObjectArgs(['--target', 'x=http://h:1/v1/AUTH_a', '--token', 't']);
    expect(a.small).toEqual({ count: 2000, size: 4096, concurrency: 16 });
    expect(a.large).toEqual({ count: 40, size: 16 * 2 ** 20, concurrency: 4 });
    expect(a).toMatchObject({
      verifyMd5: false,
      phases: { small: true, large: true },
      diskDir: undefined,
      retries: 2,
      rounds: 1,
      retryWaitSeconds: 60,
      waitIdleSeconds: 0,
    });
  });

  it('takes a number of rounds, a positive integer', () => {
    const base = ['--target', 'x=http://h:1/v1/AUTH_a', '--token', 't'];
    expect(parseObjectArgs([...base, '--rounds', '2']).rounds).toBe(2);
    expect(() => parseObjectArgs([...base, '--rounds', '0'])).toThrow(/--rounds wants a positive integer/);
  });

  it('takes sizes, counts, phases and switches', () => {
    const a = parseObjectArgs([
      '--target=x=http://h:1/v1/AUTH_a',
      '--token=t',
      '--small-size',
      '1k',
      '--large-size=2MiB',
      '--large-count',
      '3',
      '--phases',
      'large',
      '--verify-md5',
      '--disk-dir',
      '/tmp/d',
    ]);
    expect(a.small.size).toBe(1024);
    expect(a.large).toEqual({ count: 3, size: 2 * 2 ** 20, concurrency: 4 });
    expect(a.phases).toEqual({ small: false, large: true });
    expect(a.verifyMd5).toBe(true);
    expect(a.diskDir).toBe('/tmp/d');
  });

  it('rejects what it cannot use', () => {
    const bad = (argv: string[]) => () => parseObjectArgs(argv);
    expect(bad([])).toThrow(UsageError);
    expect(bad(['--target', 'x=http://h:1/v1/AUTH_a'])).toThrow(/needs a token/);
    expect(bad(['--target', 'x=http://h:1/auth/v1.0', '--user', 'a:b'])).toThrow(/needs a key/);
    expect(bad(['--target', 'x=http://h:1/', '--token', 't'])).toThrow(/cannot tell/);
    expect(bad(['--target', 'x=http://h:1/v1/AUTH_a', '--token', 't', '--pid', 'y=1'])).toThrow(
      /unknown target y/,
    );
    expect(bad(['--target', 'x=http://h:1/v1/AUTH_a', '--token', 't', '--phases', 'huge'])).toThrow(
      /--phases/,
    );
    expect(bad(['--target', 'x=http://h:1/v1/AUTH_a', '--token', 't', '--small-count', '0'])).toThrow(
      /positive/,
    );
    expect(bad(['--target', 'x=http://h:1/v1/AUTH_a', '--token', 't', '--bogus', '1'])).toThrow(
      /unknown option/,
    );
    expect(bad(['--help'])).toThrow(UsageError);
  });

  it('parses sizes and tells auth kinds apart', () => {
    expect(parseSize('s', undefined, 7)).toBe(7);
    expect(parseSize('s', '4096', 0)).toBe(4096);
    expect(parseSize('s', '16M', 0)).toBe(16777216);
    expect(parseSize('s', '1G', 0)).toBe(2 ** 30);
    expect(() => parseSize('s', '1.5M', 0)).toThrow(UsageError);
    expect(() => parseSize('s', '0', 0)).toThrow(UsageError);
    expect(authKindOf('http://h:8080/v1/AUTH_x')).toBe('token');
    expect(authKindOf('http://h:8080/v1/AUTH_x/')).toBe('token');
    expect(authKindOf('http://h:7080/auth/v1.0')).toBe('tempauth');
    expect(authKindOf('http://h:5000/v3')).toBe('keystone');
  });
});
