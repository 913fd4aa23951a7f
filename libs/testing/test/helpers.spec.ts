import { Unauthorized } from '@kumo/common';
import { runCli, runCliOk, uniqueName } from '../src/cli';
import { novaFault } from '../src/faults';
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

describe('novaFault', () => {
  const req = { kind: 'body', method: 'GET', path: '/v2.1/flavors/x', headers: {} } as const;
  const answer = (status: number, body: unknown, type = 'application/json') => ({ status, headers: { 'content-type': type }, body: JSON.stringify(body), ms: 1 });

  it("accepts Nova's body, the key named by the status (computeFault for the others)", () => {
    expect(novaFault(answer(404, { itemNotFound: { code: 404, message: 'Flavor x could not be found.' } }), req)).toBeUndefined();
    expect(novaFault(answer(406, { computeFault: { code: 406, message: 'Version 2.99 is not supported by the API.' } }), req)).toBeUndefined();
  });

  it('refuses another key, a wrong code, a second key, a non-JSON answer', () => {
    expect(novaFault(answer(404, { badRequest: { code: 404, message: 'x' } }), req)).toMatch(/not \["itemNotFound"\]/);
    expect(novaFault(answer(400, { badRequest: { code: 404, message: 'x' } }), req)).toMatch(/"code": 400/);
    expect(novaFault(answer(409, { conflictingRequest: { code: 409, message: 'x' }, extra: 1 }), req)).toMatch(/body keys/);
    expect(novaFault({ status: 404, headers: { 'content-type': 'text/html' }, body: '<h1>404</h1>', ms: 1 }, req)).toMatch(/not application\/json/);
  });
});
