import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainState } from '@kumo/libvirt';
import { powerStateOf, readTail } from '../../../src/drivers/libvirt/guest-state';

describe('guest state', () => {
  it("maps libvirt's domain states to Nova's power states", () => {
    expect([DomainState.NOSTATE, DomainState.RUNNING, DomainState.BLOCKED, DomainState.PAUSED, DomainState.SHUTDOWN, DomainState.SHUTOFF, DomainState.CRASHED, DomainState.PMSUSPENDED].map(powerStateOf)).toEqual([0, 1, 1, 3, 4, 4, 6, 7]);
  });

  it('reads only the tail of a console log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kumo-console-'));
    try {
      writeFileSync(join(dir, 'console.log'), `${'x'.repeat(1000)}\nKUMO-GUEST-READY 6.1\n`);
      await expect(readTail(join(dir, 'console.log'), 21)).resolves.toBe('KUMO-GUEST-READY 6.1\n');
      await expect(readTail(join(dir, 'console.log'), 1 << 20)).resolves.toHaveLength(1022);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
