import { UsageError, parseArgs } from '../src/args';

describe('bench identity arguments', () => {
  it('reads targets, per-target passwords and pids', () => {
    const a = parseArgs([
      '--target',
      'kumo=http://127.0.0.1:5000/',
      '--target=keystone=http://127.0.0.1:35357/v3',
      '--password',
      'common',
      '--password-keystone',
      'ks',
      '--pid',
      'kumo=1234',
      '--duration',
      '10',
      '--validate-seconds',
      '5',
    ]);
    expect(a.targets).toEqual([
      { name: 'kumo', url: 'http://127.0.0.1:5000', password: 'common', pid: 1234 },
      { name: 'keystone', url: 'http://127.0.0.1:35357', password: 'ks', pid: undefined },
    ]);
    expect(a).toMatchObject({
      issueSeconds: 10,
      validateSeconds: 5,
      concurrency: 8,
      warmupSeconds: 3,
      user: 'admin',
      project: 'admin',
      domain: 'default',
    });
  });

  it('has defaults', () => {
    const a = parseArgs(['--target', 'x=http://h:1', '--password', 'p']);
    expect(a).toMatchObject({
      issueSeconds: 20,
      validateSeconds: 20,
      concurrency: 8,
      waitIdleSeconds: 0,
      out: undefined,
    });
  });

  it.each([
    [[], /at least one/],
    [['--target', 'x=http://h:1'], /no password for x/],
    [['--target', 'http://h:1', '--password', 'p'], /NAME=/],
    [['--target', 'x=http://h:1', '--password', 'p', '--concurrency', '0'], /positive integer/],
    [['--target', 'x=http://h:1', '--password', 'p', '--duration', 'ten'], /seconds/],
    [['--target', 'x=http://h:1', '--password', 'p', '--pid', 'y=1'], /unknown target y/],
    [['--target', 'x=http://h:1', '--password', 'p', '--bogus', '1'], /unknown option --bogus/],
    [['--target', 'x=http://h:1', '--password'], /wants a value/],
    [['--target', 'x=http://h:1', '--target', 'x=http://h:2', '--password', 'p'], /unique/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
    expect(() => parseArgs(argv)).toThrow(UsageError);
  });
});
