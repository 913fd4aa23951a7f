import { Unauthorized } from '@kumo/common';
import { runCli, runCliOk, uniqueName } from '../src/cli';
import { FakeTokenValidator } from '../src/token-validator';

describe('FakeTokenValidator', () => {
  it('answers a known token with its caller, defaults from the token, and counts', async () => {
    const v = new FakeTokenValidator({ demo: { projectId: 'p-demo', roles: ['member'] } }, { now: () => 1_000, ttlMs: 60_000 });
    await expect(v.validate('demo')).resolves.toEqual({
      token: 'demo',
      userId: 'u-demo',
      userName: 'demo',
      userDomainId: 'default',
      userDomainName: 'Default',
      projectId: 'p-demo',
      projectName: 'p-demo',
      projectDomainId: 'default',
      roles: ['member'],
      expiresAt: new Date(61_000),
      auditIds: ['audit-demo'],
    });
    await expect(v.validate('toString')).rejects.toBeInstanceOf(Unauthorized);
    expect(v.calls).toBe(2);
  });

  it('takes a function of the token', async () => {
    const v = new FakeTokenValidator((t) => (t === 'bad' ? undefined : { roles: ['reader'] }));
    await expect(v.validate('x')).resolves.toMatchObject({ userId: 'u-x', roles: ['reader'] });
    await expect(v.validate('bad')).rejects.toThrow('The request you have made requires authentication.');
  });
});

describe('runCli', () => {
  it('passes exactly the given environment and reports the exit status', async () => {
    await expect(runCli('sh', ['-c', 'echo "$OS_X $SECRET_OF_PARENT"; echo err >&2; exit 3'], { OS_X: 'x' })).resolves.toEqual({ code: 3, stdout: 'x \n', stderr: 'err\n' });
    await expect(runCliOk('sh', ['-c', 'echo no >&2; exit 1'], {})).rejects.toThrow('sh -c echo no >&2; exit 1 exited 1: no');
  });

  it('kills a command that outlives its timeout, and names a command that is missing', async () => {
    await expect(runCli('sleep', ['5'], {}, { timeoutMs: 100 })).resolves.toMatchObject({ code: 'SIGTERM' });
    await expect(runCli('kumo-no-such-command', [], {})).resolves.toMatchObject({ code: 'ENOENT' });
    expect(uniqueName('t')).toMatch(/^t-[0-9a-f]{8}$/);
  });
});
