/* eslint-disable jest/no-export -- a suite shared by rpc.spec.ts and messaging.int-spec.ts */
import { z } from 'zod';
import { BadRequest, currentContext, NotFound } from '@kumo/common';
import { defineContract, Handlers } from '../../src/contracts';
import { RemoteError, RpcInvalidArguments, RpcInvalidResult, RpcTimeout, RpcVersionMismatch } from '../../src/errors';
import type { Messaging, Subscription } from '../../src/transport';
import { testContract, testContractAt } from './test-contract';

export function waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('condition not met in time'));
      setTimeout(tick, 20);
    };
    tick();
  });
}

export interface SuiteClients {
  client: Messaging;
  serverA: Messaging;
  serverB: Messaging;
}

export const recorded: Array<{ server: string; value: string }> = [];

export const testHandlers = (server: string): Handlers<typeof testContract> => ({
  add: (_ctx, { a, b }) => ({ sum: a + b }),
  greet: (_ctx, { name, punctuation }) => ({ text: `hello ${name}${punctuation}` }),
  whoami: (ctx) => ({
    requestId: ctx.requestId,
    userId: ctx.userId,
    projectId: ctx.projectId,
    roles: ctx.roles,
    hasToken: 'authToken' in ctx || currentContext()?.authToken !== undefined,
    callerHost: ctx.callerHost,
  }),
  find: (_ctx, { id }) => {
    throw new NotFound(`Could not find thing ${id}.`);
  },
  explode: () => {
    throw new TypeError('secret internal detail');
  },
  broken: () => ({ count: 'many' }) as never,
  slow: async (_ctx, { ms }) => {
    await new Promise((r) => setTimeout(r, ms));
    return { ok: true as const };
  },
  record: (_ctx, { value }) => {
    recorded.push({ server, value });
  },
});

/**
 * The behaviour both transports share, run against the in-memory one (rpc.spec.ts) and against
 * RabbitMQ (messaging.int-spec.ts), given clients whose servers serve testContract as host-a and
 * host-b.
 */
export function transportSuite(clients: () => SuiteClients): void {
  const rpc = () => clients().client.rpc(testContract);

  it('makes a call round trip with a typed result, the schema’s defaults applied', async () => {
    await expect(rpc().call(undefined, 'add', { a: 2, b: 3 })).resolves.toEqual({ sum: 5 });
    await expect(rpc().call(undefined, 'greet', { name: 'kumo' })).resolves.toEqual({ text: 'hello kumo!' });
  });

  it('gives the handler the caller’s request id, user, project and roles, never the token', async () => {
    const ctx = { requestId: 'req-11111111-2222-3333-4444-555555555555', userId: 'u1', projectId: 'p1', roles: ['member'], authToken: 'secret' };
    await expect(rpc().call(ctx, 'whoami', {})).resolves.toEqual({ requestId: ctx.requestId, userId: 'u1', projectId: 'p1', roles: ['member'], hasToken: false });
  });

  it('carries the host the calling client acts for (callerHost), never one the given context carried', async () => {
    const asNode = clients().client.rpc(testContract, { callerHost: 'node-1' });
    await expect(asNode.call({ requestId: 'req-host-1' }, 'whoami', {})).resolves.toMatchObject({ requestId: 'req-host-1', callerHost: 'node-1' });
    // a context received from another host's message and passed on: its callerHost is not sent again
    const forwarded = { requestId: 'req-host-2', callerHost: 'node-2' } as never;
    await expect(asNode.call(forwarded, 'whoami', {})).resolves.toMatchObject({ callerHost: 'node-1' });
    const plain = await rpc().call(forwarded, 'whoami', {});
    expect(plain.callerHost).toBeUndefined();
  });

  it('times out when no reply comes', async () => {
    await expect(rpc().call(undefined, 'slow', { ms: 2_000 }, { timeoutMs: 300 })).rejects.toBeInstanceOf(RpcTimeout);
  });

  it('raises a remote NotFound as NotFound, with its message', async () => {
    const err = await rpc()
      .call(undefined, 'find', { id: 'x1' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFound);
    expect((err as NotFound).status).toBe(404);
    expect((err as NotFound).message).toBe('Could not find thing x1.');
  });

  it('turns an unknown remote error into RemoteError without its internals', async () => {
    const err = await rpc()
      .call(undefined, 'explode', {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).remoteName).toBe('TypeError');
    expect((err as RemoteError).message).not.toContain('secret');
  });

  it('answers arguments that fail the method schema with RpcInvalidArguments (a BadRequest), and keeps serving', async () => {
    const err = await rpc()
      .call(undefined, 'add', { a: 1, b: 'two' } as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcInvalidArguments);
    expect(err).toBeInstanceOf(BadRequest);
    expect((err as Error).message).toBe('Invalid arguments for testsvc.add: b: Expected number, received string.');
    await expect(rpc().call(undefined, 'add', { a: 1, b: 1 })).resolves.toEqual({ sum: 2 });
  });

  it('refuses a result that breaks the contract, on the server (RpcInvalidResult) and on the caller', async () => {
    await expect(rpc().call(undefined, 'broken', {})).rejects.toBeInstanceOf(RpcInvalidResult);
    // a caller whose contract expects another result shape than the server's
    const other = defineContract({ topic: 'testsvc', version: '1.0', methods: { add: { kind: 'call', args: z.object({ a: z.number(), b: z.number() }), result: z.object({ total: z.number() }) } } });
    const err = await clients()
      .client.rpc(other)
      .call(undefined, 'add', { a: 1, b: 2 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcInvalidResult);
    expect((err as Error).message).toBe('testsvc.add answered a result that does not match contract 1.0: total: Required.');
  });

  it('serves callers of an older minor, and refuses a newer minor or another major with RpcVersionMismatch naming both', async () => {
    await expect(clients().client.rpc(testContractAt('1.0')).call(undefined, 'add', { a: 1, b: 2 })).resolves.toEqual({ sum: 3 });
    for (const version of ['1.3', '2.0', '0.9']) {
      const err = await clients()
        .client.rpc(testContractAt(version))
        .call(undefined, 'add', { a: 1, b: 2 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RpcVersionMismatch);
      expect((err as RpcVersionMismatch).callerVersion).toBe(version);
      expect((err as RpcVersionMismatch).serverVersion).toBe('1.2');
      expect((err as Error).message).toBe(`testsvc: the caller speaks version ${version}, this server implements 1.2 (it serves callers of 1.0 to 1.2).`);
    }
  });

  it('does not run a cast of a newer minor', async () => {
    recorded.length = 0;
    await clients().client.rpc(testContractAt('1.9')).cast(undefined, 'record', { value: 'too-new' }, { server: 'host-a' });
    await rpc().cast(undefined, 'record', { value: 'ok' }, { server: 'host-a' });
    await waitFor(() => recorded.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(recorded).toEqual([{ server: 'host-a', value: 'ok' }]);
  });

  it('delivers a host-targeted cast to that host only, and a fanout cast to every host', async () => {
    recorded.length = 0;
    await rpc().cast(undefined, 'record', { value: 'only-b' }, { server: 'host-b' });
    await rpc().cast(undefined, 'record', { value: 'everyone' }, { fanout: true });
    await waitFor(() => recorded.length >= 3);
    expect(recorded.filter((r) => r.value === 'only-b')).toEqual([{ server: 'host-b', value: 'only-b' }]);
    expect(
      recorded
        .filter((r) => r.value === 'everyone')
        .map((r) => r.server)
        .sort(),
    ).toEqual(['host-a', 'host-b']);
  });

  it('publishes notifications to matching subscribers', async () => {
    const got: Array<[string, Record<string, unknown>, string | undefined]> = [];
    const sub: Subscription = await clients().serverA.subscribe(['thing.*', 'deep.#'], (type, payload) => {
      got.push([type, payload, currentContext()?.userId]);
    });
    await clients().client.notify({ requestId: 'req-1', userId: 'u9' }, 'thing.created', { id: 'a' });
    await clients().client.notify(undefined, 'other.created', { id: 'b' });
    await clients().client.notify(undefined, 'deep.a.b', { id: 'c' });
    await waitFor(() => got.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([
      ['thing.created', { id: 'a' }, 'u9'],
      ['deep.a.b', { id: 'c' }, undefined],
    ]);
    await sub.close();
  });
}
