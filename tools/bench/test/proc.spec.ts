import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import {
  cpuSeconds,
  machineTicks,
  pidListeningOn,
  processAlive,
  processTree,
  pssMiB,
  rssMiB,
  sampleRss,
} from '../src/proc';

describe('bench /proc readers', () => {
  it('finds the process listening on a port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      expect(pidListeningOn(port)).toBe(process.pid);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('returns undefined when nothing listens', () => {
    expect(pidListeningOn(1)).toBeUndefined();
  });

  it('measures a process tree', () => {
    const tree = processTree(process.pid);
    expect(tree[0]).toBe(process.pid);
    expect(rssMiB(tree)).toBeGreaterThan(10);
    expect(cpuSeconds([process.pid])).toBeGreaterThan(0);
    expect(rssMiB([2 ** 30])).toBe(0);
    // PSS counts shared pages once: above zero, never above RSS
    const pss = pssMiB([process.pid]);
    expect(pss).toBeGreaterThan(1);
    expect(pss).toBeLessThanOrEqual(rssMiB([process.pid]));
    expect(pssMiB([2 ** 30])).toBeNaN();
    const { busy, total } = machineTicks();
    expect(total).toBeGreaterThanOrEqual(busy);
  });

  it('tells a live process from one that is gone', () => {
    expect(processAlive(process.pid)).toBe(true);
    const gone = spawnSync('true').pid!;
    expect(processAlive(gone)).toBe(false);
    expect(processAlive(2 ** 30)).toBe(false);
  });

  it('samples a peak RSS', () => {
    expect(sampleRss(process.pid)()).toBeGreaterThan(10);
    expect(sampleRss(undefined)()).toBeNaN();
  });
});
