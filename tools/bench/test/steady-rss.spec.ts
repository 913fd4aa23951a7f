import { spawn } from 'node:child_process';
import { overBudget, steadyLine, steadyProcesses, steadyRss } from '../src/steady-rss';

describe('bench steady RSS after load', () => {
  it('names the proxy and the storage servers in order', () => {
    expect(steadyProcesses(10, [11, 12])).toEqual([
      { name: 'proxy', pid: 10 },
      { name: 'storage 1', pid: 11 },
      { name: 'storage 2', pid: 12 },
    ]);
    expect(steadyProcesses(null, [11], 'server')).toEqual([{ name: 'storage 1', pid: 11 }]);
    expect(steadyProcesses(5, [], 'server')).toEqual([{ name: 'server', pid: 5 }]);
  });

  it('reads each process tree after the settle time; a process that is gone is unknown', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.on('exit', r));
    try {
      const started = Date.now();
      const got = await steadyRss(
        [
          { name: 'me', pid: process.pid },
          { name: 'gone', pid: gone.pid! },
          { name: 'child', pid: child.pid! },
        ],
        0.2,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(got[0].rssMiB).toBeGreaterThan(10);
      expect(got[0].pssMiB).toBeGreaterThan(0);
      expect(got[1]).toEqual({ name: 'gone', pid: gone.pid, rssMiB: null, pssMiB: null });
      expect(got[2].rssMiB).toBeGreaterThan(10);
    } finally {
      child.kill();
    }
  });

  it('names the processes over the budget and prints one line per target', () => {
    const list = [
      { name: 'proxy', pid: 1, rssMiB: 121, pssMiB: 80 },
      { name: 'storage 1', pid: 2, rssMiB: 120, pssMiB: null },
      { name: 'storage 2', pid: 3, rssMiB: null, pssMiB: null },
    ];
    expect(overBudget(list).map((p) => p.name)).toEqual(['proxy']);
    expect(overBudget(list, 100).map((p) => p.name)).toEqual(['proxy', 'storage 1']);
    expect(steadyLine('kumo', list)).toBe(
      'kumo: proxy 121 MiB (PSS 80), storage 1 120 MiB (PSS -), storage 2 - MiB (PSS -)',
    );
  });
});
