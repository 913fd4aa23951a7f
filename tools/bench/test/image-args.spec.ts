import { UsageError } from '../src/args';
import { parseImageArgs } from '../src/image-args';

describe('bench image arguments', () => {
  const runSh = [
    '--target',
    'glance=http://127.0.0.1:9393/',
    '--target',
    'kumo=http://127.0.0.1:9292',
    '--store-header',
    'glance:file=file',
    '--store-header',
    'glance:object=swift',
    '--store-url',
    'kumo:file=http://127.0.0.1:9293/',
    '--pid',
    'glance=10',
    '--pid',
    'kumo:file=20',
    '--pid',
    'kumo:object=30',
    '--rounds',
    '2',
  ];

  it("makes one target per service and store, in the store's then the command line's order", () => {
    const a = parseImageArgs(runSh);
    expect(a.names).toEqual(['glance', 'kumo']);
    expect(a.stores).toEqual(['file', 'object']);
    expect(a.targets).toEqual([
      { name: 'glance', store: 'file', url: 'http://127.0.0.1:9393', storeHeader: 'file', pid: 10 },
      { name: 'kumo', store: 'file', url: 'http://127.0.0.1:9293', storeHeader: undefined, pid: 20 },
      { name: 'glance', store: 'object', url: 'http://127.0.0.1:9393', storeHeader: 'swift', pid: 10 },
      { name: 'kumo', store: 'object', url: 'http://127.0.0.1:9292', storeHeader: undefined, pid: 30 },
    ]);
    expect(a).toMatchObject({
      sizeMiB: 1024,
      rounds: 2,
      fileDir: '.bench/image',
      waitIdleSeconds: 0,
      settleSeconds: 20,
    });
  });

  it('takes a subset of the stores and the other options', () => {
    const a = parseImageArgs([
      '--target',
      'kumo=http://h:9292',
      '--stores',
      'object',
      '--size-mib=64',
      '--swift-url',
      'http://h:8080/v1/AUTH_x/',
      '--settle',
      '0',
      '--out',
      '/tmp/o',
    ]);
    expect(a.targets).toEqual([
      { name: 'kumo', store: 'object', url: 'http://h:9292', storeHeader: undefined, pid: undefined },
    ]);
    expect(a).toMatchObject({
      sizeMiB: 64,
      swiftUrl: 'http://h:8080/v1/AUTH_x',
      settleSeconds: 0,
      out: '/tmp/o',
      rounds: 1,
    });
    expect(a.objectPids).toEqual(new Map());
  });

  it("groups the object service's processes by name (run.sh: the proxy, the storage nodes)", () => {
    const a = parseImageArgs([
      '--target',
      'kumo=http://h:9292',
      '--object-pid',
      'proxy=5',
      '--object-pid',
      'storage=6',
      '--object-pid',
      'storage=7',
    ]);
    expect(a.objectPids).toEqual(
      new Map([
        ['proxy', [5]],
        ['storage', [6, 7]],
      ]),
    );
  });

  it.each([
    [[], /at least one --target/],
    [['--target', 'kumo'], /NAME=http/],
    [['--target', 'a=http://x', '--target', 'a=http://y'], /unique/],
    [['--target', 'a=http://x', '--stores', 'file,disk'], /file and\/or object, not "disk"/],
    [['--target', 'a=http://x', '--store-header', 'b:file=file'], /unknown target b/],
    [['--target', 'a=http://x', '--store-header', 'a:disk=file'], /NAME:STORE=VALUE/],
    [['--target', 'a=http://x', '--store-url', 'a:file=x'], /wants a URL/],
    [['--target', 'a=http://x', '--pid', 'a:disk=1'], /NAME=PID or NAME:STORE=PID/],
    [['--target', 'a=http://x', '--pid', 'b=1'], /unknown target b/],
    [['--target', 'a=http://x', '--object-pid', 'proxy'], /NAME=PID, not "proxy"/],
    [['--target', 'a=http://x', '--rounds', '0'], /positive integer/],
    [['--target', 'a=http://x', '--store', 'file'], /unknown option --store/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseImageArgs(argv)).toThrow(UsageError);
    expect(() => parseImageArgs(argv)).toThrow(message);
  });
});
