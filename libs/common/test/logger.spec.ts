import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bufferedDestination, createLogger, lineDestination } from '../src/logger';

describe('service logs', () => {
  it('are written in blocks, and within a fraction of a second of a quiet spell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kumo-log-'));
    const path = join(dir, 'service.log');
    const fd = openSync(path, 'a');
    try {
      const logger = createLogger('test', 'info', bufferedDestination(fd));
      logger.info({ n: 1 }, 'first');
      logger.info({ n: 2 }, 'second');
      // a few hundred bytes wait for more, instead of costing a write each
      expect(readFileSync(path, 'utf8')).toBe('');
      await sleep(600);
      const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
      expect(lines.map((l) => l.msg)).toEqual(['first', 'second']);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('of command-line tools are written as they happen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kumo-log-'));
    const path = join(dir, 'tool.log');
    const fd = openSync(path, 'a');
    try {
      const logger = createLogger('test', 'info', lineDestination(fd));
      logger.warn({ n: 1 }, 'quarantined');
      expect((JSON.parse(readFileSync(path, 'utf8')) as { msg: string }).msg).toBe('quarantined');
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
