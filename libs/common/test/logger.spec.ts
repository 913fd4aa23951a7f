import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bufferedDestination, createLogger, lineDestination } from '../src/logger';

/** Runs `fn` with a fresh log file (its descriptor and path), removed afterwards. */
async function withLogFile(fn: (fd: number, path: string) => unknown): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-log-'));
  const path = join(dir, 'test.log');
  const fd = openSync(path, 'a');
  try {
    await fn(fd, path);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('service logs', () => {
  it('are written in blocks, and within a fraction of a second of a quiet spell', () =>
    withLogFile(async (fd, path) => {
      const logger = createLogger('test', 'info', bufferedDestination(fd));
      logger.info({ n: 1 }, 'first');
      logger.info({ n: 2 }, 'second');
      // a few hundred bytes wait for more, instead of costing a write each
      expect(readFileSync(path, 'utf8')).toBe('');
      await sleep(600);
      const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
      expect(lines.map((l) => l.msg)).toEqual(['first', 'second']);
    }));

  it('of command-line tools are written as they happen', () =>
    withLogFile((fd, path) => {
      const logger = createLogger('test', 'info', lineDestination(fd));
      logger.warn({ n: 1 }, 'quarantined');
      expect((JSON.parse(readFileSync(path, 'utf8')) as { msg: string }).msg).toBe('quarantined');
    }));
});
