import { execFileSync } from 'node:child_process';
import * as amqplib from 'amqplib';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { BadRequest, currentContext, NotFound } from '@kumo/common';
import { Call, Cast } from '../src/contracts';
import { RemoteError, RpcTimeout } from '../src/errors';
import { MessagingClient } from '../src/messaging.client';

const URL = process.env.KUMO_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

interface TestRpc {
  add: Call<{ a: number; b: number }, { sum: number }>;
  whoami: Call<Record<string, never>, { requestId?: string; userId?: string }>;
  find: Call<{ id: string }, never>;
  explode: Call<Record<string, never>, never>;
  slow: Call<{ ms: number }, { ok: true }>;
  record: Cast<{ value: string }>;
}

function waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('condition not met in time'));
      setTimeout(tick, 50);
    };
    tick();
  });
}

/**
 * Closes, on the broker's side, the connections whose client named itself `name` (only this test's:
 * the broker is shared with the running stack). Returns how many it closed.
 */
function dropConnections(name: string): number {
  const out = execFileSync('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties'], {
    encoding: 'utf8',
  });
  const pids = out
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0]);
  for (const pid of pids)
    execFileSync('rabbitmqctl', ['-q', 'close_connection', pid, 'kumo test: connection dropped'], {
      stdio: 'ignore',
    });
  return pids.length;
}

/** The states in order, repeats folded (`[true, false, false, true]` → `[true, false, true]`). */
function transitions(states: boolean[]): boolean[] {
  return states.filter((s, i) => i === 0 || s !== states[i - 1]);
}

describe('MessagingClient against RabbitMQ', () => {
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const connectionName = `kumo test ${prefix}`;
  let client: MessagingClient;
  let serverA: MessagingClient;
  let serverB: MessagingClient;
  const recorded: Array<{ server: string; value: string }> = [];

  const handlers = (server: string) => ({
    add: async ({ a, b }: { a: number; b: number }) => ({ sum: a + b }),
    whoami: async () => ({ requestId: currentContext()?.requestId, userId: currentContext()?.userId }),
    find: async ({ id }: { id: string }): Promise<never> => {
      throw new NotFound(`Could not find thing ${id}.`);
    },
    explode: async (): Promise<never> => {
      throw new TypeError('secret internal detail');
    },
    slow: async ({ ms }: { ms: number }) => {
      await new Promise((r) => setTimeout(r, ms));
      return { ok: true as const };
    },
    record: async ({ value }: { value: string }) => {
      recorded.push({ server, value });
    },
  });
  const schemas = { add: z.object({ a: z.number(), b: z.number() }).strict() };

  beforeAll(async () => {
    client = new MessagingClient({ url: URL, exchangePrefix: prefix, rpcTimeoutMs: 10_000, connectionName });
    serverA = new MessagingClient({ url: URL, exchangePrefix: prefix, connectionName });
    serverB = new MessagingClient({ url: URL, exchangePrefix: prefix, connectionName });
    await client.ready();
    await serverA.serve<TestRpc>('testsvc', 'host-a', handlers('host-a'), schemas);
    await serverB.serve<TestRpc>('testsvc', 'host-b', handlers('host-b'), schemas);
  });

  afterAll(async () => {
    await Promise.all([client.close(), serverA.close(), serverB.close()]);
    // remove the durable queues and exchanges this file declared
    const conn = await amqplib.connect(URL);
    const ch = await conn.createChannel();
    for (const q of [
      `${prefix}.testsvc`,
      `${prefix}.testsvc.host-a`,
      `${prefix}.testsvc.host-b`,
      `${prefix}.events.durable-test`,
    ]) {
      await ch.deleteQueue(q);
    }
    await ch.deleteExchange(`${prefix}.rpc`);
    await ch.deleteExchange(`${prefix}.notifications`);
    await conn.close();
  });

  const rpc = () => client.rpc<TestRpc>('testsvc');

  it('makes a call round trip with a typed result and the caller’s request context', async () => {
    await expect(rpc().call(undefined, 'add', { a: 2, b: 3 })).resolves.toEqual({ sum: 5 });
    const ctx = { requestId: 'req-11111111-2222-3333-4444-555555555555', userId: 'u1', authToken: 'secret' };
    await expect(rpc().call(ctx, 'whoami', {})).resolves.toEqual({ requestId: ctx.requestId, userId: 'u1' });
  });

  it('times out when no reply comes', async () => {
    await expect(rpc().call(undefined, 'slow', { ms: 2_000 }, { timeoutMs: 300 })).rejects.toBeInstanceOf(
      RpcTimeout,
    );
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

  it('rejects arguments that fail the method schema with BadRequest', async () => {
    await expect(rpc().call(undefined, 'add', { a: 1, b: 'two' } as never)).rejects.toBeInstanceOf(
      BadRequest,
    );
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

  it('publishes notifications to subscribers, and a durable queue keeps them', async () => {
    const got: Array<[string, Record<string, unknown>]> = [];
    const sub = await serverA.subscribe(
      'thing.*',
      (type, payload) => {
        got.push([type, payload]);
      },
      { queue: 'durable-test' },
    );
    await client.notify(undefined, 'thing.created', { id: 'a' });
    await client.notify(undefined, 'other.created', { id: 'b' });
    await waitFor(() => got.length >= 1);
    expect(got).toEqual([['thing.created', { id: 'a' }]]);
    await sub.close();
  });

  it('delivers a cast published while the broker connection was dropped', async () => {
    recorded.length = 0;
    const states: boolean[] = [];
    const off = client.onConnectionChange((connected) => states.push(connected));
    expect(dropConnections(connectionName)).toBe(3);
    await waitFor(() => states.includes(false));
    // the client reconnects after 1 s: this cast is published while it has no connection
    expect(client.connected).toBe(false);
    await rpc().cast(undefined, 'record', { value: 'after-drop' }, { server: 'host-a' });
    expect(states).toEqual([false, true]);
    await waitFor(() => recorded.length > 0, 30_000);
    // queued while down and sent once after the reconnect: a second copy would be here by now
    await new Promise((r) => setTimeout(r, 300));
    expect(recorded).toEqual([{ server: 'host-a', value: 'after-drop' }]);
    off();
    // and calls work again
    await expect(rpc().call(undefined, 'add', { a: 1, b: 1 })).resolves.toEqual({ sum: 2 });
  }, 60_000);

  it('tells a subscriber when its consumer stops and runs again, and it receives again after the reconnect', async () => {
    const name = `${connectionName} subscriber`;
    const sub = new MessagingClient({ url: URL, exchangePrefix: prefix, connectionName: name });
    const states: boolean[] = [];
    const got: string[] = [];
    const subscription = await sub.subscribe('probe.*', (type) => void got.push(type), {
      wait: false,
      onActive: (a) => states.push(a),
    });
    await waitFor(() => states.includes(true));
    expect(dropConnections(name)).toBe(1);
    await waitFor(() => transitions(states).length >= 3);
    expect(transitions(states)).toEqual([true, false, true]);
    await client.notify(undefined, 'probe.after', {});
    await waitFor(() => got.length > 0);
    expect(got).toEqual(['probe.after']);
    await subscription.close();
    await sub.close();
  }, 60_000);

  it('subscribes without waiting while the broker is unreachable, and says the consumer is not running', async () => {
    const down = new MessagingClient({ url: 'amqp://guest:guest@127.0.0.1:1', exchangePrefix: prefix });
    const states: boolean[] = [];
    const subscription = await down.subscribe('probe.*', () => undefined, {
      wait: false,
      onActive: (a) => states.push(a),
    });
    await waitFor(() => states.length > 0, 5_000);
    expect(transitions(states)).toEqual([false]);
    expect(down.connected).toBe(false);
    await subscription.close();
    await down.close();
  });
});
