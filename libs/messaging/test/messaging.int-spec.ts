import { execFileSync } from 'node:child_process';
import * as amqplib from 'amqplib';
import { randomBytes } from 'node:crypto';
import { RpcBadMessage, RpcInterrupted } from '../src/errors';
import { MessagingClient } from '../src/messaging.client';
import { testContract } from './support/test-contract';
import { recorded, SuiteClients, testHandlers, transportSuite, waitFor } from './support/transport-suite';

const URL = process.env.KUMO_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

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
  const clients = (): SuiteClients => ({ client, serverA, serverB });

  beforeAll(async () => {
    client = new MessagingClient({ url: URL, exchangePrefix: prefix, rpcTimeoutMs: 10_000, connectionName });
    serverA = new MessagingClient({ url: URL, exchangePrefix: prefix, connectionName });
    serverB = new MessagingClient({ url: URL, exchangePrefix: prefix, connectionName });
    await client.ready();
    await serverA.serve(testContract, testHandlers('host-a'), { server: 'host-a' });
    await serverB.serve(testContract, testHandlers('host-b'), { server: 'host-b' });
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

  const rpc = () => client.rpc(testContract);

  transportSuite(clients);

  it('answers a message that is not an envelope with RpcBadMessage, and keeps serving', async () => {
    const conn = await amqplib.connect(URL);
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    const replies: string[] = [];
    await ch.consume(queue, (m) => m && replies.push(m.content.toString()), { noAck: true });
    ch.publish(`${prefix}.rpc`, 'testsvc.host-a', Buffer.from('not json'), { replyTo: queue, correlationId: '1' });
    await waitFor(() => replies.length === 1);
    expect(JSON.parse(replies[0])).toEqual({ error: { name: RpcBadMessage.name, status: 400, message: 'The message to testsvc is not JSON.' } });
    await conn.close();
    await expect(rpc().call(undefined, 'add', { a: 1, b: 1 })).resolves.toEqual({ sum: 2 });
  });

  it('publishes notifications to a durable queue', async () => {
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

  it('gives up a cast with timeoutMs while the broker is unreachable (RpcInterrupted saying so); without it the cast waits', async () => {
    const down = new MessagingClient({ url: 'amqp://guest:guest@127.0.0.1:1', exchangePrefix: prefix });
    const started = Date.now();
    await expect(down.rpc(testContract).cast(undefined, 'record', { value: 'lost' }, { timeoutMs: 500 })).rejects.toThrow(
      new RpcInterrupted('Could not publish testsvc: not confirmed by the broker within 500 ms (the broker is unreachable)'),
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    let settled = false;
    void down.rpc(testContract).cast(undefined, 'record', { value: 'waits' }).then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(settled).toBe(false);
    await down.close();
  });
});
